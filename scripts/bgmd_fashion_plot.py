#!/usr/bin/python3
"""Test accuracy against round for the four rules of the BGMD reproduction (docs/RESULTS.md, issue 5 reproduction 1),
one panel per corruption setting, from the runs of the two sweeps.

    /usr/bin/python3 scripts/bgmd_fashion_plot.py results/bgmd-fashion-clean results/bgmd-fashion docs/bgmd-fashion.png
    # and, with the feature and label attacks' sweep, a second figure:
    /usr/bin/python3 scripts/bgmd_fashion_plot.py results/bgmd-fashion-clean results/bgmd-fashion docs/bgmd-fashion.png \
        results/bgmd-fashion-data docs/bgmd-fashion-data.png

Needs Debian's matplotlib (apt-get install python3-matplotlib). A diverged run (train loss not finite) is drawn at
its last finite accuracies and marked "diverged" in the legend.
"""
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RULES = [("mean", "mean (SGD)"), ("median", "median (CMD)"), ("geometric-median", "geometric median (GMD)"),
         ("bgmd", "BGMD, k = 0.1 d")]


def load(folder):
    rounds, accuracy, diverged = [], [], False
    with open(os.path.join(folder, "metrics.csv")) as f:
        for row in csv.DictReader(f):
            loss = float(row["train_loss"]) if row["train_loss"] else float("nan")
            if not math.isfinite(loss):
                diverged = True
            if row["test_accuracy"]:
                rounds.append(int(row["round"]))
                accuracy.append(100 * float(row["test_accuracy"]))
    return rounds, accuracy, diverged


def draw(panels, out, seed="1"):
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.6), sharey=True)
    for ax, (title, root, attack, fraction) in zip(axes, panels):
        for rule, label in RULES:
            folder = os.path.join(root, "runs", rule, attack, f"byz-{fraction}", f"seed-{seed}")
            if not os.path.exists(os.path.join(folder, "metrics.csv")):
                continue
            rounds, accuracy, diverged = load(folder)
            ax.plot(rounds, accuracy, marker=".", label=label + (" (diverged)" if diverged else ""))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("round (29.3 rounds = 1 epoch)")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_ylabel("test accuracy (%)")
    fig.suptitle("Fashion-MNIST, MLP 784-128-10, 32 workers x batch 64, corrupted workers redrawn every round", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main(clean, attacked, out, data=None, data_out=None):
    draw([("clean", clean, "none", "0"),
          ("scaled bit flip (-100 g), 20 %", attacked, "scaled", "0.2"),
          ("scaled bit flip (-100 g), 40 %", attacked, "scaled", "0.4"),
          ("gradient additive N(0, 100), 20 %", attacked, "additive-noise", "0.2"),
          ("gradient additive N(0, 100), 40 %", attacked, "additive-noise", "0.4")], out)
    if data is not None:
        draw([("feature additive N(0, 100), 40 %", data, "feature-noise", "0.4"),
              ("impulse (90 % of pixels), 40 %", data, "impulse", "0.4"),
              ("backdoor to class 8, 40 %", data, "backdoor", "0.4")], data_out)


if __name__ == "__main__":
    if len(sys.argv) not in (4, 6):
        sys.exit(__doc__)
    main(*sys.argv[1:])
