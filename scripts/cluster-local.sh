#!/usr/bin/env bash
# Runs one experiment on a local Akka.Cluster: a coordinator node and N-1 workers nodes (the last K of them aggregator
# nodes instead, with --aggregators K), each its own process on 127.0.0.1 with a free port. Waits for the run, leaves
# the results (as `fedactors run --out` writes them, plus each node's log under DIR/nodes/) in DIR, stops every process
# it started, and exits with the coordinator's exit code.
#
#   scripts/cluster-local.sh --nodes N [--aggregators K] --out DIR EXPERIMENT.conf [--set KEY=VALUE]...
set -euo pipefail
cd "$(dirname "$0")/.."

nodes=""
aggregators=0
out=""
experiment=""
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --aggregators) aggregators="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --set) extra+=(--set "$2"); shift 2 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) [[ -z "$experiment" ]] || { echo "one experiment file only" >&2; exit 2; }; experiment="$1"; shift ;;
  esac
done
if [[ -z "$nodes" || -z "$out" || -z "$experiment" ]] || ! [[ "$nodes" =~ ^[0-9]+$ && "$aggregators" =~ ^[0-9]+$ ]] \
  || (( nodes < 2 || aggregators > nodes - 2 )); then
  echo "usage: $0 --nodes N (>= 2) [--aggregators K (<= N - 2: one workers node at least)] --out DIR EXPERIMENT.conf [--set KEY=VALUE]..." >&2
  exit 2
fi

dotnet build src/Host -c Release -v quiet -nologo > /dev/null
fedactors=(dotnet src/Host/bin/Release/net10.0/fedactors.dll)
mkdir -p "$out/nodes"

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# The coordinator binds a free port and is the cluster's seed; its address is read back from its first log line.
"${fedactors[@]}" node --role coordinator --experiment "$experiment" --port 0 --out "$out" \
  --set "fedactors.cluster.min-members=$nodes" "${extra[@]}" > >(tee "$out/nodes/coordinator.log") 2>&1 &
coordinator=$!
pids+=("$coordinator")
seed=""
for _ in $(seq 1 600); do
  seed=$(grep -o 'akka\.tcp://fedactors@[0-9.]*:[0-9]*' "$out/nodes/coordinator.log" 2> /dev/null | head -n 1 || true)
  [[ -n "$seed" ]] && break
  kill -0 "$coordinator" 2> /dev/null || { echo "the coordinator exited before it was up" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$seed" ]] || { echo "the coordinator did not report its address within 60 s" >&2; exit 1; }

for k in $(seq 1 $((nodes - 1))); do
  role=workers
  (( k > nodes - 1 - aggregators )) && role=aggregator
  "${fedactors[@]}" node --role "$role" --experiment "$experiment" --port 0 --seed-nodes "$seed" \
    "${extra[@]}" > "$out/nodes/$role-$k.log" 2>&1 &
  pids+=("$!")
done

set +e
wait "$coordinator"
status=$?
set -e
# Workers and aggregator nodes exit by themselves once the coordinator ends the run; the trap stops any that did not.
exit "$status"
