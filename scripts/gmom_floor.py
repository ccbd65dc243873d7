#!/usr/bin/python3
"""Runs hocon/experiments/gmom-floor.conf over q and N, fits the error floor's slopes and draws the two figures.

Called by scripts/gmom-floor.sh (which builds first); run from the repo root. Runs already on disk (DIR/.../metrics.csv)
are reused, so a second call only redoes the analysis. See docs/RESULTS-gmom.md.
"""
import argparse
import csv
import os
import subprocess
import sys
import time

import numpy as np

CONF = "hocon/experiments/gmom-floor.conf"
DLL = "src/Host/bin/Release/net10.0/fedactors.dll"
M, D, ROUNDS, TAIL = 120, 20, 40, 20          # workers, dimension, rounds, floor = mean over the last TAIL rounds
Q_SWEEP, N_FIXED = [1, 2, 3, 4, 5, 7, 10, 13, 18], 50000
N_SWEEP, Q_FIXED = [3000, 6000, 12500, 25000, 50000, 100000], 5
EPS = 0.1


def groups(q, m=M, eps=EPS):
    """The rule's automatic k: the smallest divisor of m with k >= 2(1 + eps) q."""
    return min(k for k in range(1, m + 1) if m % k == 0 and k >= 2 * (1 + eps) * q)


def run(out, q, n, seed, attack=True, extra=()):
    d = os.path.join(out, "attack" if attack else "clean", f"q{q}-N{n}-s{seed}")
    path = os.path.join(d, "metrics.csv")
    if not os.path.exists(path):
        os.makedirs(d, exist_ok=True)
        cmd = ["dotnet", DLL, "run", CONF, "--out", d,
               "--set", f"fedactors.workers.byzantine={q}",
               "--set", f"fedactors.task.linear-regression.train-samples={n}",
               "--set", f"fedactors.seed.base={seed}"]
        if not attack:
            cmd += ["--set", "fedactors.attack.name=none"]
        cmd += list(extra)
        with open(d + ".log", "w") as log:
            if subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode != 0:
                sys.exit(f"run failed, see {d}.log")
    with open(path) as f:
        return np.array([float(r["param_error"]) for r in csv.DictReader(f)])


def fit(x, y):
    """Least squares of log y on log x: slope, its standard error, intercept."""
    X = np.column_stack([np.log(x), np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(X, np.log(y), rcond=None)
    resid = np.log(y) - X @ coef
    s2 = resid @ resid / (len(x) - 2)
    se = np.sqrt(s2 * np.linalg.inv(X.T @ X)[0, 0])
    return coef[0], se, coef[1]


def per_seed_slopes(xs, floors, seeds):
    return [fit(xs, [floors[(x, s)] for x in xs])[0] for s in seeds]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="results/gmom-floor")
    ap.add_argument("--seeds", default="1 2 3")
    ap.add_argument("--no-plots", action="store_true")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split()]
    t0 = time.time()

    res = {}
    for attack in (True, False):
        for q in Q_SWEEP:
            for s in seeds:
                res[(attack, q, N_FIXED, s)] = run(a.out, q, N_FIXED, s, attack)
        for n in N_SWEEP:
            for s in seeds:
                res[(attack, Q_FIXED, n, s)] = run(a.out, Q_FIXED, n, s, attack)
    # Plain mean (k = 1) under the same attack, for the trajectory figure.
    mean_traj = run(os.path.join(a.out, "mean"), Q_FIXED, N_FIXED, seeds[0], True,
                    ["--set", "fedactors.aggregator.rule=mean", "--set", "fedactors.rounds=8"])
    floor = {key: float(np.mean(v[-TAIL:])) for key, v in res.items()}
    print(f"{len(res) + 1} runs in {time.time() - t0:.0f} s (m = {M}, d = {D}, {ROUNDS} rounds, "
          f"floor = mean param_error over the last {TAIL} rounds, seeds {seeds})\n")

    def table(attack):
        fq = {(q, s): floor[(attack, q, N_FIXED, s)] for q in Q_SWEEP for s in seeds}
        fn = {(n, s): floor[(attack, Q_FIXED, n, s)] for n in N_SWEEP for s in seeds}
        return fq, fn

    # Geometric phase: per-round factor of param_error from round 1 until it first comes within 3x of the floor.
    rates = []
    for s in seeds:
        e = res[(True, Q_FIXED, N_FIXED, s)]
        fl = floor[(True, Q_FIXED, N_FIXED, s)]
        stop = next(i for i, v in enumerate(e) if v < 3 * fl)
        r = np.arange(1, stop + 1)
        rates.append(np.exp(np.polyfit(r, np.log(e[:stop]), 1)[0]))
    print(f"geometric phase (q = {Q_FIXED}, N = {N_FIXED}): per-round factor "
          f"{np.mean(rates):.3f} (seeds: {', '.join(f'{r:.3f}' for r in rates)}); "
          f"paper's bound 1/2 + sqrt(3)/4 = {0.5 + np.sqrt(3) / 4:.3f}\n")

    slopes = {}
    for attack in (True, False):
        fq, fn = table(attack)
        name = "attack" if attack else "clean"
        print(f"[{name}] floor against q at N = {N_FIXED}:")
        print("|  q |  k | sqrt(dk/N) | floor mean | min .. max | floor / sqrt(dk/N) |")
        print("|---:|---:|---:|---:|---:|---:|")
        for q in Q_SWEEP:
            v = [fq[(q, s)] for s in seeds]
            ref = np.sqrt(D * groups(q) / N_FIXED)
            print(f"| {q:2d} | {groups(q):2d} | {ref:.4f} | {np.mean(v):.4f} | {min(v):.4f} .. {max(v):.4f} | "
                  f"{np.mean(v) / ref:.2f} |")
        xq = [q for q in Q_SWEEP for s in seeds]
        yq = [fq[(q, s)] for q in Q_SWEEP for s in seeds]
        xk = [groups(q) for q in Q_SWEEP for s in seeds]
        sq, seq, iq = fit(xq, yq)
        sk, sek, ik = fit(xk, yq)
        psq = per_seed_slopes(Q_SWEEP, fq, seeds)
        print(f"[{name}] slope in q: {sq:.3f} +- {seq:.3f} (per seed {', '.join(f'{x:.3f}' for x in psq)}); "
              f"slope in k: {sk:.3f} +- {sek:.3f}; paper: 0.5\n")
        print(f"[{name}] floor against N at q = {Q_FIXED} (k = {groups(Q_FIXED)}):")
        print("|      N | sqrt(dk/N) | floor mean | min .. max | floor / sqrt(dk/N) |")
        print("|---:|---:|---:|---:|---:|")
        for n in N_SWEEP:
            v = [fn[(n, s)] for s in seeds]
            ref = np.sqrt(D * groups(Q_FIXED) / n)
            print(f"| {n:6d} | {ref:.4f} | {np.mean(v):.4f} | {min(v):.4f} .. {max(v):.4f} | {np.mean(v) / ref:.2f} |")
        xn = [n for n in N_SWEEP for s in seeds]
        yn = [fn[(n, s)] for n in N_SWEEP for s in seeds]
        sn, sen, inn = fit(xn, yn)
        psn = per_seed_slopes(N_SWEEP, fn, seeds)
        print(f"[{name}] slope in N: {sn:.3f} +- {sen:.3f} (per seed {', '.join(f'{x:.3f}' for x in psn)}); "
              f"paper: -0.5\n")
        slopes[attack] = dict(q=(sq, seq, iq), k=(sk, sek, ik), n=(sn, sen, inn))

    print("FITTED SLOPES (least squares on logs, all seeds pooled, +- standard error):")
    print(f"  floor vs q (attack): {slopes[True]['q'][0]:+.3f} +- {slopes[True]['q'][1]:.3f}   (paper ~ +0.5)")
    print(f"  floor vs N (attack): {slopes[True]['n'][0]:+.3f} +- {slopes[True]['n'][1]:.3f}   (paper ~ -0.5)")
    print(f"  (floor vs k (attack): {slopes[True]['k'][0]:+.3f} +- {slopes[True]['k'][1]:.3f}; clean runs: "
          f"q {slopes[False]['q'][0]:+.3f} +- {slopes[False]['q'][1]:.3f}, "
          f"N {slopes[False]['n'][0]:+.3f} +- {slopes[False]['n'][1]:.3f})")

    if a.no_plots:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Figure q: (a) trajectories, (b) floor against q.
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    r = np.arange(1, ROUNDS + 1)
    for i, s in enumerate(seeds):
        ax[0].semilogy(r, res[(True, Q_FIXED, N_FIXED, s)], color="C0", alpha=0.8,
                       label=f"gmom, attack (k = {groups(Q_FIXED)})" if i == 0 else None)
        ax[0].semilogy(r, res[(False, Q_FIXED, N_FIXED, s)], color="C2", alpha=0.8,
                       label="gmom, no attack" if i == 0 else None)
    ax[0].semilogy(np.arange(1, len(mean_traj) + 1), mean_traj, color="C3", marker="x", label="mean (k = 1), attack")
    e0 = res[(True, Q_FIXED, N_FIXED, seeds[0])][0]
    ax[0].semilogy(r, e0 * (0.5 + np.sqrt(3) / 4) ** (r - 1), "k:", label="bound's rate (1/2+sqrt3/4)^t")
    ax[0].axhline(np.sqrt(D * groups(Q_FIXED) / N_FIXED), color="grey", ls="--", label="sqrt(dk/N)")
    ax[0].set_ylim(1e-2, 10 * max(1e3, float(np.nanmax(mean_traj))))
    ax[0].set_xlabel("round")
    ax[0].set_ylabel("||theta_t - theta*||")
    ax[0].set_title(f"(a) m = {M}, d = {D}, N = {N_FIXED}, q = {Q_FIXED}, {len(seeds)} seeds")
    ax[0].legend(fontsize=8)
    for attack, c in ((True, "C0"), (False, "C2")):
        fq, _ = table(attack)
        ax[1].loglog([q for q in Q_SWEEP for s in seeds], [fq[(q, s)] for q in Q_SWEEP for s in seeds], "o",
                     color=c, alpha=0.6, label="attack" if attack else "no attack (same k)")
        sl, se, ic = slopes[attack]["q"]
        xx = np.array([Q_SWEEP[0], Q_SWEEP[-1]], float)
        ax[1].loglog(xx, np.exp(ic) * xx ** sl, "-", color=c, label=f"fit slope {sl:.2f} +- {se:.2f}")
    ax[1].loglog(Q_SWEEP, [np.sqrt(D * groups(q) / N_FIXED) for q in Q_SWEEP], "k--", label="sqrt(dk/N)")
    ax[1].set_xlabel("q (Byzantine machines); k = smallest divisor of m >= 2.2q")
    ax[1].set_ylabel(f"floor (mean error, last {TAIL} rounds)")
    ax[1].set_title(f"(b) floor against q, N = {N_FIXED}")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig("docs/gmom-floor-q.png", dpi=110)

    fig, ax = plt.subplots(figsize=(5.8, 4.2))
    for attack, c in ((True, "C0"), (False, "C2")):
        _, fn = table(attack)
        ax.loglog([n for n in N_SWEEP for s in seeds], [fn[(n, s)] for n in N_SWEEP for s in seeds], "o",
                  color=c, alpha=0.6, label="attack" if attack else "no attack (same k)")
        sl, se, ic = slopes[attack]["n"]
        xx = np.array([N_SWEEP[0], N_SWEEP[-1]], float)
        ax.loglog(xx, np.exp(ic) * xx ** sl, "-", color=c, label=f"fit slope {sl:.2f} +- {se:.2f}")
    ax.loglog(N_SWEEP, [np.sqrt(D * groups(Q_FIXED) / n) for n in N_SWEEP], "k--", label="sqrt(dk/N)")
    ax.set_xlabel("N (training samples)")
    ax.set_ylabel(f"floor (mean error, last {TAIL} rounds)")
    ax.set_title(f"floor against N, q = {Q_FIXED}, k = {groups(Q_FIXED)}, m = {M}, d = {D}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig("docs/gmom-floor-n.png", dpi=110)
    print("\nfigures: docs/gmom-floor-q.png docs/gmom-floor-n.png")


if __name__ == "__main__":
    main()
