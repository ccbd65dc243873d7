#!/usr/bin/python3
"""Test accuracy against round for the four rules of the BGMD reproduction (docs/RESULTS.md, issue 5 reproduction 1),
one panel per corruption setting, from the runs of the two sweeps.

    /usr/bin/python3 scripts/bgmd_fashion_plot.py results/bgmd-fashion-clean results/bgmd-fashion docs/bgmd-fashion.png
    # and, with the feature and label attacks' sweep, a second figure:
    /usr/bin/python3 scripts/bgmd_fashion_plot.py results/bgmd-fashion-clean results/bgmd-fashion docs/bgmd-fashion.png \
        results/bgmd-fashion-data docs/bgmd-fashion-data.png

    # the follow-up with plain SGD, and BGMD with the Huber-weighted memory beside the paper's:
    /usr/bin/python3 scripts/bgmd_fashion_plot.py results/bgmd-fashion-sgd-clean results/bgmd-fashion-sgd \
        docs/bgmd-fashion-sgd.png --weighted results/bgmd-fashion-sgd-weighted \
        --weighted-clean results/bgmd-fashion-sgd-weighted-clean --optimizer "plain SGD (momentum 0)" --seeds 1,2

    # the reference code's fixed additive noise (bgmd-fashion-fixed-noise-sweep.conf and its Huber-memory sweep), no
    # clean panel:
    /usr/bin/python3 scripts/bgmd_fashion_plot.py - results/bgmd-fashion-fixed-noise docs/bgmd-fashion-fixed-noise.png \
        --fixed-noise --weighted results/bgmd-fashion-fixed-noise-weighted --optimizer "plain SGD (momentum 0)" --seeds 1,2,3

    # the reference code's defaults (Adam, BGMD without memory) under its fixed noise, with their clean panel:
    /usr/bin/python3 scripts/bgmd_fashion_plot.py results/bgmd-fashion-adam-clean results/bgmd-fashion-adam \
        docs/bgmd-fashion-adam.png --fixed-noise --optimizer "Adam lr 0.002, BGMD without memory (the reference code's defaults)"

    # the paper's LeNet, clean only (bgmd-fashion-lenet-clean-sweep.conf):
    /usr/bin/python3 scripts/bgmd_fashion_plot.py results/bgmd-lenet-clean - docs/bgmd-lenet-clean.png \
        --model "LeNet (1.16M parameters)" --optimizer "plain SGD lr 0.01"

Needs Debian's matplotlib (apt-get install python3-matplotlib). A diverged run (train loss not finite) is drawn at
its last finite accuracies and marked "diverged" in the legend.
"""
import argparse
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


def load_mean(folders):
    """The accuracy curve averaged over the seeds' run folders that exist; diverged if any of them did."""
    present = [folder for folder in folders if os.path.exists(os.path.join(folder, "metrics.csv"))]
    if not present:
        return None
    if len(present) < len(folders):
        print(f"warning: only {len(present)} of {len(folders)} seeds ran for {present[0]}", file=sys.stderr)
    runs = [load(folder) for folder in present]
    rounds = runs[0][0]
    if any(run[0] != rounds for run in runs):
        sys.exit(f"the seeds of {folders[0]} were evaluated at different rounds")
    accuracy = [sum(run[1][k] for run in runs) / len(runs) for k in range(len(rounds))]
    return rounds, accuracy, any(run[2] for run in runs)


def draw(panels, out, optimizer, weighted=None, weighted_clean=None, seeds=("1",), model="MLP 784-128-10",
         corruption="corrupted workers redrawn every round"):
    fig, axes = plt.subplots(1, len(panels), figsize=(max(4 * len(panels), 6), 3.6), sharey=True, squeeze=False)
    axes = axes[0]
    for ax, (title, root, attack, fraction) in zip(axes, panels):
        cell = lambda sweep, rule: [os.path.join(sweep, "runs", rule, attack, f"byz-{fraction}", f"seed-{seed}") for seed in seeds]
        curves = [(cell(root, rule), label) for rule, label in RULES]
        if weighted is not None:
            # The weighted-memory sweep holds the attacked cells; the clean ones are another sweep's (or one run folder).
            if attack != "none":
                curves.append((cell(weighted, "bgmd"), "BGMD, Huber memory (ours)"))
            elif weighted_clean is not None:
                clean = cell(weighted_clean, "bgmd") if os.path.isdir(os.path.join(weighted_clean, "runs")) else [weighted_clean]
                curves.append((clean, "BGMD, Huber memory (ours)"))
        for folders, label in curves:
            curve = load_mean(folders)
            if curve is None:
                continue
            rounds, accuracy, diverged = curve
            ax.plot(rounds, accuracy, marker=".", label=label + (" (diverged)" if diverged else ""))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("round (29.3 rounds = 1 epoch)")
        if len(panels) > 1:
            # A common scale across the settings; a lone clean panel zooms in on its curves instead.
            ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_ylabel("test accuracy (%)")
    averaged = f", mean of seeds {', '.join(seeds)}" if len(seeds) > 1 else ""
    head = f"Fashion-MNIST, {model}, {optimizer},"
    tail = f"32 workers x batch 64, {corruption}{averaged}"
    # One line where it fits the figure's width (about 30 characters a panel), else two.
    separator = " " if len(panels) > 2 and len(head) + len(tail) < 30 * len(panels) else "\n"
    fig.suptitle(head + separator + tail,
                 fontsize=10 if len(panels) > 2 else 9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clean", help="the clean sweep's --out folder, or - for no clean panel")
    parser.add_argument("attacked", help="the gradient-attack sweep's --out folder, or - for the clean panel alone")
    parser.add_argument("out", help="the PNG to write")
    parser.add_argument("data", nargs="?", help="the feature and label attacks' sweep folder")
    parser.add_argument("data_out", nargs="?", help="the PNG for the data attacks")
    parser.add_argument("--weighted", help="a sweep of bgmd with memory = huber, drawn as a fifth curve")
    parser.add_argument("--weighted-clean", help="the clean sweep of bgmd with memory = huber, or one run folder")
    parser.add_argument("--optimizer", default="SGD momentum 0.9", help="the optimizer, for the title")
    parser.add_argument("--seeds", default="1", help="comma-separated seeds whose curves are averaged (default 1)")
    parser.add_argument("--model", default="MLP 784-128-10", help="the model, for the title")
    parser.add_argument("--fixed-noise", action="store_true",
                        help="the attacked sweep is a fixed-noise one (additive-noise.noise = fixed, static membership): "
                             "draw its two additive-noise cells only")
    args = parser.parse_args()
    if (args.data is None) != (args.data_out is None):
        parser.error("give both the data attacks' folder and its PNG, or neither")
    seeds = tuple(seed.strip() for seed in args.seeds.split(",") if seed.strip())
    panels = [("clean", args.clean, "none", "0")] if args.clean != "-" else []
    corruption = "corrupted workers redrawn every round"
    if args.fixed_noise:
        if args.attacked == "-":
            parser.error("--fixed-noise draws the attacked sweep's cells: give its folder")
        panels += [("fixed additive N(0, 100), 20 %", args.attacked, "additive-noise", "0.2"),
                   ("fixed additive N(0, 100), 40 %", args.attacked, "additive-noise", "0.4")]
        corruption = "the same workers every round, each adding its own fixed noise"
    elif args.attacked != "-":
        panels += [("scaled bit flip (-100 g), 20 %", args.attacked, "scaled", "0.2"),
                   ("scaled bit flip (-100 g), 40 %", args.attacked, "scaled", "0.4"),
                   ("gradient additive N(0, 100), 20 %", args.attacked, "additive-noise", "0.2"),
                   ("gradient additive N(0, 100), 40 %", args.attacked, "additive-noise", "0.4")]
    if not panels:
        parser.error("nothing to draw: give a clean folder or an attacked one")
    draw(panels, args.out, args.optimizer, args.weighted, args.weighted_clean, seeds, args.model, corruption)
    if args.data is not None:
        draw([("feature additive N(0, 100), 40 %", args.data, "feature-noise", "0.4"),
              ("impulse (90 % of pixels), 40 %", args.data, "impulse", "0.4"),
              ("backdoor to class 8, 40 %", args.data, "backdoor", "0.4")], args.data_out, args.optimizer, seeds=seeds,
             model=args.model)


if __name__ == "__main__":
    main()
