#!/usr/bin/env bash
# The block-coordinate geometric median reproduction (docs/RESULTS.md, issue 5's reproduction 1) in one command.
# Fashion-MNIST, 32 workers x batch 64, iid; the four rules mean, median, geometric median and BGMD (k = 0.1 d):
#   clean                                   hocon/experiments/bgmd-fashion-clean-sweep.conf   (4 runs)
#   scaled bit flip and additive noise, 20 and 40 %   bgmd-fashion-sweep.conf                 (16 runs)
#   feature noise, impulse and backdoor, 40 %         bgmd-fashion-data-sweep.conf            (12 runs)
# Prints each sweep's table, draws the accuracy curves (docs/bgmd-fashion.png and docs/bgmd-fashion-data.png with the
# default --out, else into --out; needs python3-matplotlib, skipped with --no-plots) and times a round of bgmd
# against the full geometric median at the paper's LeNet size (scripts/bgmd-lenet-timing.sh; --no-timing skips it).
# Needs the data: sudo apt-get install dataset-fashion-mnist. About 70 minutes on the project's 2 cores. Finished
# runs are kept (sweep --keep-finished), so a second call only redoes the tables and figures.
#
#   scripts/bgmd-fashion.sh [--out results] [--set KEY=VALUE]... [--no-plots] [--no-timing]
#
# --set reaches every run of the three sweeps, e.g. a trial: --out /tmp/trial --set fedactors.rounds=3
set -euo pipefail
cd "$(dirname "$0")/.."
out=results
plots=1
timing=1
sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    --no-plots) plots=0; shift ;;
    --no-timing) timing=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
dotnet build src/Host -c Release -v quiet -nologo > /dev/null
dll=src/Host/bin/Release/net10.0/fedactors.dll

for sweep in clean "" data; do
  name=bgmd-fashion${sweep:+-$sweep}
  echo "== $name"
  dotnet "$dll" sweep "hocon/experiments/$name-sweep.conf" --out "$out/$name" --keep-finished "${sets[@]}" | grep -v '^cell '
done

if [ "$plots" = 1 ]; then
  figures=docs
  [ "$out" = results ] || figures=$out
  /usr/bin/python3 scripts/bgmd_fashion_plot.py "$out/bgmd-fashion-clean" "$out/bgmd-fashion" "$figures/bgmd-fashion.png" \
    "$out/bgmd-fashion-data" "$figures/bgmd-fashion-data.png"
  echo "figures: $figures/bgmd-fashion.png, $figures/bgmd-fashion-data.png"
fi

if [ "$timing" = 1 ]; then
  echo "== time per round at the LeNet's size (1 163 978 parameters)"
  scripts/bgmd-lenet-timing.sh --rounds 5 --rules "geometric-median bgmd mean" --out "$out/bgmd-lenet-timing"
fi
