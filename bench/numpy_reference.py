#!/usr/bin/python3
"""NumPy reference timings for FedActors' aggregation rules, on the same input as `fedactors aggregate`.

Writes one n x d float32 matrix (seeded: honest rows N(0, 1), the first f rows shifted by +5), times a plain NumPy
implementation of each rule (best of --repeat), runs `fedactors aggregate --json --repeat R` on the same .npy for the
C# time (the aggregation alone, after loading), and prints a Markdown table with both and the largest difference
between the two outputs.

Needs Debian's numpy (apt-get install python3-numpy), i.e. run it with /usr/bin/python3, and a Release build:
    dotnet build src/Host -c Release
    /usr/bin/python3 bench/numpy_reference.py --n 200 --d 100000 --f 40
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def weiszfeld(x, tolerance=1e-6, max_iterations=1000, nu=1e-6):
    """Geometric median, Weiszfeld from the coordinate-wise median, stopping on the relative objective change."""
    z = np.median(x, axis=0).astype(np.float64)
    x64 = x.astype(np.float64)
    previous = None
    for _ in range(max_iterations):
        distances = np.sqrt(((x64 - z) ** 2).sum(axis=1))
        objective = distances.sum()
        if previous is not None and abs(previous - objective) <= tolerance * objective:
            break
        previous = objective
        weights = 1.0 / np.maximum(distances, nu)
        z = weights @ x64 / weights.sum()
    return z.astype(np.float32)


def krum_scores(x, f):
    g = x.astype(np.float64) @ x.astype(np.float64).T
    norms = np.diag(g)
    distances = np.maximum(norms[:, None] + norms[None, :] - 2 * g, 0)
    n = x.shape[0]
    np.fill_diagonal(distances, np.inf)
    nearest = np.sort(distances, axis=1)[:, : n - f - 2]
    return nearest.sum(axis=1)


def krum(x, f):
    return x[np.argmin(krum_scores(x, f))]


def multi_krum(x, f):
    m = x.shape[0] - f
    return x[np.argsort(krum_scores(x, f), kind="stable")[:m]].mean(axis=0)


def trimmed_mean(x, f):
    n = x.shape[0]
    return np.sort(x, axis=0)[f : n - f].mean(axis=0)


def mean_around_median(x, f, keep=None):
    n = x.shape[0]
    keep = n - f if keep is None else keep
    median = np.median(x, axis=0)
    order = np.argsort(np.abs(x - median), axis=0, kind="stable")[:keep]
    return np.take_along_axis(x, order, axis=0).mean(axis=0)


def bulyan(x, f):
    n = x.shape[0]
    remaining = list(range(n))
    selected = []
    g = x.astype(np.float64) @ x.astype(np.float64).T
    norms = np.diag(g)
    full = np.maximum(norms[:, None] + norms[None, :] - 2 * g, 0)
    for _ in range(n - 2 * f):
        sub = full[np.ix_(remaining, remaining)].copy()
        np.fill_diagonal(sub, np.inf)
        k = max(len(remaining) - f - 2, 1)
        scores = np.sort(sub, axis=1)[:, :k].sum(axis=1)
        best = remaining[int(np.argmin(scores))]
        selected.append(best)
        remaining.remove(best)
    theta = len(selected)
    return mean_around_median(x[selected], 0, keep=theta - 2 * f)


def centered_clipping(x, f, tau=100.0, iterations=1):
    v = np.zeros(x.shape[1])
    x64 = x.astype(np.float64)
    for _ in range(iterations):
        differences = x64 - v
        norms = np.sqrt((differences**2).sum(axis=1))
        scale = np.minimum(1.0, tau / np.maximum(norms, 1e-12))
        v = v + (differences * scale[:, None]).mean(axis=0)
    return v.astype(np.float32)


def spectral_filter(x, f, iterations=10):
    """Iterative filtering on the n x n Gram matrix, a fixed number of down-weighting rounds: the same work per step as
    FedActors' filter, without its threshold rule, so its output is not expected to match."""
    x64 = x.astype(np.float64)
    n = x.shape[0]
    c = np.ones(n)
    g = x64 @ x64.T
    for _ in range(iterations):
        w = c / c.sum()
        a = g @ w
        centred = g - a[:, None] - a[None, :] + w @ g @ w
        weighted = np.sqrt(w)[:, None] * centred * np.sqrt(w)[None, :]
        values, vectors = np.linalg.eigh(weighted)
        u = vectors[:, -1] * np.sqrt(w)
        scores = (centred @ u) ** 2
        c = c * (1 - scores / scores.max())
    w = c / c.sum()
    return (w @ x64).astype(np.float32)


def gmom(x, f, epsilon=0.1):
    n = x.shape[0]
    k = next(k for k in range(1, n + 1) if n % k == 0 and k >= 2 * (1 + epsilon) * f)
    means = x.reshape(k, n // k, -1).mean(axis=1)
    return weiszfeld(means)


def bgmd(x, f, beta=0.1):
    d = x.shape[1]
    k = max(1, int(beta * d))
    scores = (x.astype(np.float64) ** 2).sum(axis=0)
    columns = np.sort(np.argsort(-scores, kind="stable")[:k])
    out = np.zeros(d, dtype=np.float32)
    out[columns] = weiszfeld(x[:, columns])
    return out


def majority_point(distances, radius):
    """The first row with more than half of all rows within radius (itself included), else the one with the most."""
    counts = (distances <= radius).sum(axis=1)
    majority = np.flatnonzero(2 * counts > distances.shape[0])
    return int(majority[0]) if majority.size else int(np.argmax(counts))


def byzantine_sgd(x, f, horizon=1000, delta=0.01):
    """One round of ByzantineSGD's filter from a fresh state (the first round, as `fedactors aggregate` runs it): V
    estimated from the round, D = 0 (the model has not moved), A = 0, B = the round's gradients."""
    n = x.shape[0]
    x64 = x.astype(np.float64)

    def pairwise(rows):
        g = rows @ rows.T
        norms = np.diag(g)
        distances = np.sqrt(np.maximum(norms[:, None] + norms[None, :] - 2 * g, 0))
        np.fill_diagonal(distances, 0)
        return distances

    gradient_distances = pairwise(x64)
    off_diagonal = gradient_distances[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    v = np.median(np.median(off_diagonal, axis=1))
    centre_g = majority_point(gradient_distances, 2 * v)
    a = np.zeros(n)
    b = np.zeros_like(x) + x
    accumulator_distances = pairwise(b.astype(np.float64))
    threshold_b = 4 * v * np.sqrt(horizon * np.log(16.0 * n * horizon / delta))
    threshold_a = 0.0 * threshold_b
    centre_b = majority_point(accumulator_distances, threshold_b)
    good = ((np.abs(a - np.median(a)) <= threshold_a)
            & (accumulator_distances[:, centre_b] <= 2 * threshold_b)
            & (gradient_distances[:, centre_g] <= 4 * v))
    return ((x64[good] / n).sum(axis=0)).astype(np.float32)


RULES = {
    "mean": lambda x, f: x.mean(axis=0),
    "median": lambda x, f: np.median(x, axis=0),
    "trimmed-mean": trimmed_mean,
    "meamed": mean_around_median,
    "geometric-median": lambda x, f: weiszfeld(x),
    "krum": krum,
    "multi-krum": multi_krum,
    "bulyan": bulyan,
    "centered-clipping": centered_clipping,
    "filter": spectral_filter,
    "gmom": gmom,
    "bgmd": bgmd,
    "byzantine-sgd": byzantine_sgd,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--d", type=int, default=100_000)
    parser.add_argument("--f", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--fedactors", default="dotnet src/Host/bin/Release/net10.0/fedactors.dll",
                        help="how to start the fedactors command")
    parser.add_argument("--shards", type=int, default=2)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((args.n, args.d), dtype=np.float32)
    x[: args.f] += 5.0
    folder = tempfile.mkdtemp(prefix="fedactors-numpy-")
    matrix_path = os.path.join(folder, "x.npy")
    np.save(matrix_path, x)

    print(f"n = {args.n}, d = {args.d}, f = {args.f}, best of {args.repeat}; NumPy {np.__version__}", file=sys.stderr)
    print("| rule | NumPy ms | FedActors ms | speed-up | max abs difference |")
    print("|---|---|---|---|---|")
    for rule in args.rules.split(","):
        reference = RULES[rule]
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            expected = reference(x, args.f)
            best = min(best, (time.perf_counter() - start) * 1000)
        out_path = os.path.join(folder, f"{rule}.npy")
        command = args.fedactors.split() + ["aggregate", "--rule", rule, "--f", str(args.f), "--in", matrix_path,
                                            "--out", out_path, "--shards", str(args.shards), "--repeat",
                                            str(args.repeat), "--json"]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"| {rule} | {best:.1f} | failed: {result.stderr.strip()[:80]} | | |")
            continue
        ours = json.loads(result.stdout)
        difference = float(np.max(np.abs(np.load(out_path).astype(np.float64) - np.asarray(expected, dtype=np.float64))))
        print(f"| {rule} | {best:.1f} | {ours['elapsed_ms']:.1f} | {best / ours['elapsed_ms']:.0f}x | {difference:.2e} |")


if __name__ == "__main__":
    main()
