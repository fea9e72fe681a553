#!/usr/bin/env bash
# The demo: builds sluice and runs the bundled default scenario, writing reports/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build -c release --product sluice
.build/release/sluice run scenarios/quickstart.yaml --out reports/quickstart "$@"
echo "open reports/quickstart/report.md (or report.json) to read the result"
