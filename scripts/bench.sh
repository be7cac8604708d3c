#!/usr/bin/env bash
# Runs one benchmark main of the bench module: scripts/bench.sh <forward|scoring|quality|layers|fleet|memory|speed|exact-peak|onnx> [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/bench.sh <forward|scoring|quality|layers|fleet|memory|speed|exact-peak|onnx> [args...]}"
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
  *) echo "unknown benchmark '$name': expected forward, scoring, quality, layers, fleet, memory, speed, exact-peak or onnx" >&2; exit 2 ;;
esac
mvn -B -q -ntp install -DskipTests -pl bench -am >&2
exec java -Xmx12g -Doffline=true -cp "bench/target/optin-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" "$main" "$@"
