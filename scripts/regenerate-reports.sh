#!/usr/bin/env bash
# Regenerates reports/<name>/ for each bundled scenario with its own seed and replications.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product sluice
for name in quickstart mm1 mm3 burst-autoscaling fifo-orders poison-messages fanout-notifications fifo-fanout firehose-s3 windowed-metrics video-cameras; do
  .build/release/sluice run "scenarios/$name.yaml" --out "reports/$name" --quiet
done
