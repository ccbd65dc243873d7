#!/usr/bin/env bash
# Runs hocon/experiments/attacks-synthetic.conf for every rule x attack of docs/RESULTS.md, one run at a time, and
# prints a markdown table of the final test accuracy in % (the last round's test_accuracy in metrics.csv).
# With --seeds, every cell is run once per seed (fedactors.seed.base) and shows mean +- sample standard deviation.
#
#   scripts/attacks-synthetic.sh [--out DIR] [--rules "mean median ..."] [--attacks "none alie ..."]
#                                [--seeds "42 1 2"] [--set KEY=VALUE]...
#
# Runs land in DIR/RULE/ATTACK (DIR/RULE/ATTACK/seed-N with --seeds), each with its log next to it.
# The full grid (6 rules x 7 attacks, one seed) takes about 5-13 minutes on the project's 2 cores, depending on load.
set -euo pipefail
cd "$(dirname "$0")/.."

out=results/attacks-synthetic
rules="mean median trimmed-mean geometric-median krum filter"
attacks="none sign-flip alie ipm anti-filter min-max mimic"
seeds=""
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --rules) rules="$2"; shift 2 ;;
    --attacks) attacks="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --set) extra+=(--set "$2"); shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

dotnet build src/Host -c Release -v quiet -nologo > /dev/null
fedactors=(dotnet src/Host/bin/Release/net10.0/fedactors.dll)

# Final test accuracy of one run in %, or "diverged" / "failed".
run() {
  local dir="$1"; shift
  mkdir -p "$dir"
  if "${fedactors[@]}" run hocon/experiments/attacks-synthetic.conf --out "$dir" "$@" ${extra[@]+"${extra[@]}"} \
      > "$dir.log" 2>&1; then
    tail -n 1 "$dir/metrics.csv" |
      awk -F, '{ if ($4 == "" || $2 ~ /[Nn]a[Nn]|[Ii]nf/) print "diverged"; else printf "%.1f\n", $4 * 100 }'
  else
    echo failed
  fi
}

started=$SECONDS
printf '| rule |'; for a in $attacks; do printf ' %s |' "$a"; done; printf '\n|---|'
for a in $attacks; do printf -- '---|'; done; printf '\n'
for r in $rules; do
  printf '| %s |' "$r"
  for a in $attacks; do
    cell=(--set "fedactors.aggregator.rule=$r" --set "fedactors.attack.name=$a")
    if [[ -z "$seeds" ]]; then
      printf ' %s |' "$(run "$out/$r/$a" "${cell[@]}")"
    else
      values=""
      for s in $seeds; do
        values+="$(run "$out/$r/$a/seed-$s" "${cell[@]}" --set "fedactors.seed.base=$s") "
      done
      # mean +- sd over the seeds that produced a number; the raw values follow when any did not.
      printf ' %s |' "$(echo "$values" | awk '{
        n = 0; s = 0; ss = 0; bad = 0
        for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { n++; s += $i; ss += $i * $i } else bad++
        if (n == 0) { printf "%s", $0; exit }
        m = s / n; sd = n > 1 ? sqrt((ss - n * m * m) / (n - 1) > 0 ? (ss - n * m * m) / (n - 1) : 0) : 0
        if (bad > 0) printf "%.1f ± %.1f (%s)", m, sd, $0; else printf "%.1f ± %.1f", m, sd }')"
    fi
  done
  printf '\n'
done
echo "($(( SECONDS - started )) s)" >&2
