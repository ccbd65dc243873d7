#!/usr/bin/python3
"""Test accuracy against round for a few single runs, and each run's gap to the first one, from their metrics.csv.

    /usr/bin/python3 scripts/accuracy_gap_plot.py docs/bgmd-lenet-fixed-noise-50ep.png \
        "geometric median=results/bgmd-lenet-fixed-noise-50ep/geometric-median" \
        "median=results/bgmd-lenet-fixed-noise-50ep/median" --title "LeNet, 40 % fixed additive noise, 50 epochs"

The gap panel uses the rounds both runs evaluated. With --pairs the runs go in pairs (reference, other), and the gap
panel shows each pair's own difference instead of every run's difference to the first. Needs Debian's matplotlib (apt-get install python3-matplotlib).
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def accuracies(folder):
    """round -> test accuracy in %, for the rounds the run evaluated."""
    with open(os.path.join(folder, "metrics.csv")) as f:
        return {int(row["round"]): 100 * float(row["test_accuracy"]) for row in csv.DictReader(f) if row["test_accuracy"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the PNG to write")
    parser.add_argument("runs", nargs="+", help="LABEL=RUN_FOLDER; the first is the reference of the gap panel")
    parser.add_argument("--title", default="", help="the figure's title")
    parser.add_argument("--pairs", action="store_true", help="runs come in pairs: each second run's gap to the one before it")
    args = parser.parse_args()
    if args.pairs and len(args.runs) % 2:
        sys.exit("accuracy_gap_plot: --pairs needs an even number of runs")

    runs = []
    for spec in args.runs:
        label, sep, folder = spec.partition("=")
        if not sep or not os.path.exists(os.path.join(folder, "metrics.csv")):
            sys.exit(f"accuracy_gap_plot: '{spec}' is not LABEL=FOLDER with a metrics.csv in FOLDER")
        runs.append((label, accuracies(folder)))

    figure, (curves, gaps) = plt.subplots(2, 1, figsize=(8, 7), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for label, points in runs:
        rounds = sorted(points)
        curves.plot(rounds, [points[r] for r in rounds], marker=".", label=label)
    pairs = list(zip(runs[0::2], runs[1::2])) if args.pairs else [(runs[0], run) for run in runs[1:]]
    for (reference_label, reference), (label, points) in pairs:
        common = sorted(set(points) & set(reference))
        gaps.plot(common, [points[r] - reference[r] for r in common], marker=".", label=f"{label} - {reference_label}")
    gaps.axhline(0, color="grey", linewidth=0.8)
    curves.set_ylabel("test accuracy (%)")
    gaps.set_ylabel("difference (points)")
    gaps.set_xlabel("round")
    curves.legend()
    gaps.legend()
    curves.set_title(args.title)
    figure.tight_layout()
    figure.savefig(args.out, dpi=110)


if __name__ == "__main__":
    main()
