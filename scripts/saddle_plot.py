#!/usr/bin/env python3
"""Plots the distance from the saddle (param_error) against round for runs of docs/RESULTS.md's saddle experiments
(needs python3-matplotlib):

    scripts/saddle_plot.py OUT.png --title TITLE "LABEL=DIR[,DIR...]" ...

Each LABEL is one colour; several DIRs (seeds) under one label are drawn as thin lines of that colour."""
import argparse
import csv

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def column(directory, name):
    with open(f"{directory}/metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [int(r["round"]) for r in rows], [float(r[name]) for r in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("runs", nargs="+", help="LABEL=DIR[,DIR...]")
    parser.add_argument("--title", default="Strict saddle")
    args = parser.parse_args()
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, run in enumerate(args.runs):
        label, _, directories = run.partition("=")
        seeds = directories.split(",")
        for s, directory in enumerate(seeds):
            rounds, distance = column(directory, "param_error")
            ax.plot(rounds, distance, color=f"C{k}", linewidth=1.5 if len(seeds) == 1 else 1.0, alpha=1.0 if len(seeds) == 1 else 0.8,
                    label=label if s == 0 else None)
    ax.axhline(1.0, color="grey", linestyle="--", label="minima (distance 1)")
    ax.set_xlabel("round")
    ax.set_ylabel("||w - saddle||")
    ax.set_title(args.title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)


if __name__ == "__main__":
    main()
