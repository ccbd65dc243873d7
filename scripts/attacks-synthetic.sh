#!/usr/bin/env bash
# Runs hocon/experiments/attacks-synthetic.conf for every rule x attack of docs/RESULTS.md and prints a markdown table
# of the final test accuracy (the last round's test_accuracy in metrics.csv).
#
#   scripts/attacks-synthetic.sh [--out DIR] [--rules "mean median ..."] [--attacks "none alie ..."] [--set KEY=VALUE]...
set -euo pipefail
cd "$(dirname "$0")/.."

out=results/attacks-synthetic
rules="mean median trimmed-mean geometric-median krum filter"
attacks="none sign-flip alie ipm anti-filter min-max mimic"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --rules) rules="$2"; shift 2 ;;
    --attacks) attacks="$2"; shift 2 ;;
    --set) extra+=(--set "$2"); shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

dotnet build src/Host -c Release -v quiet -nologo > /dev/null
fedactors=(dotnet src/Host/bin/Release/net10.0/fedactors.dll)

printf '| rule |'; for a in $attacks; do printf ' %s |' "$a"; done; printf '\n|---|'
for a in $attacks; do printf -- '---|'; done; printf '\n'
for r in $rules; do
  printf '| %s |' "$r"
  for a in $attacks; do
    dir="$out/$r/$a"
    mkdir -p "$dir"
    if "${fedactors[@]}" run hocon/experiments/attacks-synthetic.conf --out "$dir" \
        --set "fedactors.aggregator.rule=$r" --set "fedactors.attack.name=$a" ${extra[@]+"${extra[@]}"} > "$dir.log" 2>&1; then
      tail -n 1 "$dir/metrics.csv" | awk -F, '{ if ($4 == "" || $2 ~ /[Nn]a[Nn]|[Ii]nf/) printf " diverged |"; else printf " %.1f |", $4 * 100 }'
    else
      printf ' failed |'
    fi
  done
  printf '\n'
done
