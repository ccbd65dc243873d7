#!/usr/bin/env bash
# ByzantinePGD at a strict saddle (docs/RESULTS.md, issue 5's reproduction 3), in one command: for each seed,
#   exact gradients (saddle-pgd.conf): robust gradient descent and ByzantinePGD, 4 of 20 workers attacking;
#   noisy gradients (saddle-pgd-noisy.conf): the same two against 8 omniscient colluders setting each coordinate's
#   median to 0, and gradient descent without the attack and against its scaled-mean form.
# Prints for each run the first round it is farther than 0.5 from the saddle, and its distance and train loss at the
# last round, and draws docs/saddle-pgd.png and docs/saddle-pgd-noisy.png (into --out instead when it is given;
# python3-matplotlib; skipped with --no-plots). Finished runs on disk are reused. About 25 s for 3 seeds on the
# project's 2 cores.
#
#   scripts/saddle.sh [--out results/saddle] [--seeds "1 2 3"] [--no-plots]
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/saddle
seeds="1 2 3"
plots=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --no-plots) plots=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
dotnet build src/Host -c Release -v quiet -nologo > /dev/null
dll=src/Host/bin/Release/net10.0/fedactors.dll
pgd="--set fedactors.training.optimizer=byzantine-pgd"

run() {
  local dir=$1 conf=$2
  shift 2
  if ! grep -qs '"status": *"completed"' "$dir/summary.json"; then
    mkdir -p "$(dirname "$dir")"
    dotnet "$dll" run "hocon/experiments/$conf" --out "$dir" "$@" > "$dir.log" 2>&1
  fi
  # The first round farther than 0.5 from the saddle (halfway to the minima), and the last row's state.
  awk -F, -v name="$dir" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { r = $(h["round"]); l = $(h["train_loss"]); e = $(h["param_error"]); if (left == "" && e > 0.5) left = r }
    END { printf "%-40s left at round %5s  round %s: distance %.3f, train_loss %.4f\n", name, left == "" ? "never" : left, r, e, l }' "$dir/metrics.csv"
}

labels=(gd pgd noisy-gd noisy-pgd noisy-gd-no-attack noisy-gd-scaled-mean)
for s in $seeds; do
  seed="--set fedactors.seed.base=$s"
  run "$out/gd-s$s" saddle-pgd.conf $seed
  run "$out/pgd-s$s" saddle-pgd.conf $seed $pgd
  run "$out/noisy-gd-s$s" saddle-pgd-noisy.conf $seed
  run "$out/noisy-pgd-s$s" saddle-pgd-noisy.conf $seed $pgd
  run "$out/noisy-gd-no-attack-s$s" saddle-pgd-noisy.conf $seed --set fedactors.attack.name=none
  run "$out/noisy-gd-scaled-mean-s$s" saddle-pgd-noisy.conf $seed --set fedactors.attack.saddle.mode=scaled-mean
done

if [ "$plots" = 1 ]; then
  figures=docs
  [ "$out" = results/saddle ] || figures=$out
  dirs() { local l=$1 d="" s; for s in $seeds; do d="$d${d:+,}$out/$l-s$s"; done; echo "$d"; }
  /usr/bin/python3 scripts/saddle_plot.py "$figures/saddle-pgd.png" \
    --title "Strict saddle, exact gradients, 4 of 20 colluding (saddle attack)" \
    "robust gradient descent (median)=$(dirs gd)" "ByzantinePGD (median)=$(dirs pgd)"
  /usr/bin/python3 scripts/saddle_plot.py "$figures/saddle-pgd-noisy.png" \
    --title "Strict saddle, noisy gradients, 8 of 20 colluding" \
    "robust GD, attacked=$(dirs noisy-gd)" "ByzantinePGD, attacked=$(dirs noisy-pgd)" \
    "robust GD, no attack=$(dirs noisy-gd-no-attack)" "robust GD, scaled-mean saddle attack=$(dirs noisy-gd-scaled-mean)"
fi
