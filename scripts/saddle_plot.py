#!/usr/bin/env python3
"""Plots the distance from the saddle (param_error) against round for the two runs of docs/RESULTS.md's saddle
experiment: scripts/saddle_plot.py GD_RESULTS_DIR PGD_RESULTS_DIR OUT.png (needs python3-matplotlib)."""
import csv
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def column(directory, name):
    with open(f"{directory}/metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [int(r["round"]) for r in rows], [float(r[name]) for r in rows]


def main():
    gd, pgd, out = sys.argv[1:4]
    fig, ax = plt.subplots(figsize=(7, 4))
    for directory, label in ((gd, "robust gradient descent (median)"), (pgd, "ByzantinePGD (median)")):
        rounds, distance = column(directory, "param_error")
        ax.plot(rounds, distance, label=label)
    ax.axhline(1.0, color="grey", linestyle="--", label="minima (distance 1)")
    ax.set_xlabel("round")
    ax.set_ylabel("||w - saddle||")
    ax.set_title("Strict saddle, 20 workers, 4 colluding (saddle attack)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
