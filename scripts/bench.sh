#!/usr/bin/env bash
# Runs one benchmark main of the bench module: scripts/bench.sh <forward|scoring|quality|layers|fleet|memory|speed|exact-peak|onnx|reconstruction|merge|fanout> [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/bench.sh <forward|scoring|quality|layers|fleet|memory|speed|exact-peak|onnx|reconstruction|merge|fanout> [args...]}"
shift
case "$name" in
  forward) main=dev.optinfleet.bench.ForwardBenchmark ;;
  scoring) main=dev.optinfleet.bench.ScoringBenchmark ;;
  quality) main=dev.optinfleet.bench.QualityBenchmark ;;
  layers) main=dev.optinfleet.bench.LayerBenchmark ;;
  fleet) main=dev.optinfleet.bench.FleetBenchmark ;;
  memory) main=dev.optinfleet.bench.MemoryBenchmark ;;
  speed) main=dev.optinfleet.bench.SpeedBenchmark; bench/python/setup-venv.sh ;;
  exact-peak) main=dev.optinfleet.bench.ExactPeak ;;
  onnx) main=dev.optinfleet.bench.OnnxBenchmark ;;
  reconstruction) main=dev.optinfleet.bench.ReconstructionBenchmark ;;
  merge) main=dev.optinfleet.bench.MergeBenchmark ;;
  fanout) main=dev.optinfleet.bench.FanoutBenchmark ;;
  *) echo "unknown benchmark '$name': expected forward, scoring, quality, layers, fleet, memory, speed, exact-peak, onnx, reconstruction, merge or fanout" >&2; exit 2 ;;
esac
# package, not install: the reactor resolves the modules, and ~/.m2 (shared) never gets SNAPSHOT jars
mvn -B -q -ntp package -DskipTests -pl bench -am >&2
exec java -Xmx12g -Doffline=true -cp "bench/target/optin-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" "$main" "$@"
