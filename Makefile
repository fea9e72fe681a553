# Shorthands for the scripts the README documents.
.PHONY: demo test build bench reports

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

build:
	bash scripts/install-dependencies.sh
	swift build -c release --product sluice

bench:
	cd Benchmarks && swift package benchmark

# Regenerates every checked-in report from scenarios/ (deterministic: same bytes each time).
reports: build
	bash scripts/regenerate-reports.sh
