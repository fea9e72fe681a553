#!/usr/bin/env bash
# Regenerates reports/<name>/ for each bundled scenario with its own seed and replications, or
# only for the scenarios named: bash scripts/regenerate-reports.sh clickstream kcl-failover
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product sluice
all="quickstart mm1 mm3 burst-autoscaling fifo-orders poison-messages fanout-notifications fifo-fanout firehose-s3 windowed-metrics
     video-cameras clickstream kcl-failover"
for name in ${@:-$all}; do
  .build/release/sluice run "scenarios/$name.yaml" --out "reports/$name" --quiet
done
