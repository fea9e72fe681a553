#!/usr/bin/env bash
# Runs every test: installs dependencies if missing, builds, runs the unit, statistical,
# end-to-end and benchmark-smoke tests of the root package.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build --build-tests
swift test --skip-build "$@"
