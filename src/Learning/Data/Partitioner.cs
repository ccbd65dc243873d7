namespace FedActors.Learning;

/// <summary>Splits sample indices among workers.</summary>
public static class Partitioner
{
    /// <summary>
    /// IID split: a seeded Fisher-Yates permutation of 0..sampleCount-1 cut into <paramref name="workers"/> contiguous
    /// parts; the first sampleCount mod workers parts get one extra index, so sizes differ by at most one.
    /// </summary>
    public static int[][] Iid(int sampleCount, int workers, ulong seed)
    {
        CheckWorkers(sampleCount, workers);

        var permutation = new int[sampleCount];
        for (int i = 0; i < sampleCount; i++)
        {
            permutation[i] = i;
        }
        Permutation.ShuffleInPlace<int>(permutation, new DeterministicRandom(seed));

        var parts = new int[workers][];
        int baseSize = sampleCount / workers;
        int larger = sampleCount % workers;
        int start = 0;
        for (int w = 0; w < workers; w++)
        {
            int size = baseSize + (w < larger ? 1 : 0);
            parts[w] = permutation.AsSpan(start, size).ToArray();
            start += size;
        }
        return parts;
    }

    /// <summary>
    /// Label skew by a Dirichlet prior (Hsu, Qi and Brown 2019): for each class in turn, its samples are shuffled,
    /// proportions p ~ Dir(alpha, ..., alpha) over the workers are drawn (p_w = g_w / sum g, g_w ~ Gamma(alpha, 1) by
    /// <see cref="DeterministicRandom.NextLogGamma"/>), and worker w gets the samples from floor(n_c P_(w-1)) to
    /// floor(n_c P_w), P being the running sum of p. Large alpha gives every worker nearly the global label mix; small
    /// alpha gives most workers one or two classes.
    /// Every worker gets at least one sample: after the split, each empty worker in id order takes one random sample
    /// from the largest part (lowest id on ties), so at most workers - 1 samples move and the skew is kept.
    /// All draws come from one <see cref="DeterministicRandom"/> seeded with <paramref name="seed"/>, in class order.
    /// </summary>
    public static int[][] Dirichlet(ReadOnlySpan<int> labels, int classes, int workers, double alpha, ulong seed)
    {
        CheckWorkers(labels.Length, workers);
        if (classes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "Need at least one class.");
        }
        if (!(alpha > 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The Dirichlet concentration must be positive and finite.");
        }

        var byClass = new List<int>[classes];
        for (int c = 0; c < classes; c++)
        {
            byClass[c] = [];
        }
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentException($"Label {i} is {label}, not a class id in 0..{classes - 1}.", nameof(labels));
            }
            byClass[label].Add(i);
        }

        var random = new DeterministicRandom(seed);
        var parts = new List<int>[workers];
        for (int w = 0; w < workers; w++)
        {
            parts[w] = [];
        }
        var weights = new double[workers];
        for (int c = 0; c < classes; c++)
        {
            int[] members = [.. byClass[c]];
            Permutation.ShuffleInPlace<int>(members, random);

            // In log space and relative to the largest draw, because for small alpha every Gamma draw of a class can
            // underflow to 0 (u^(1/alpha) with alpha = 0.01 is below 2^-1074 for u < 0.0006); the largest weight is 1.
            double largest = double.NegativeInfinity;
            for (int w = 0; w < workers; w++)
            {
                weights[w] = random.NextLogGamma(alpha);
                largest = Math.Max(largest, weights[w]);
            }
            double total = 0;
            for (int w = 0; w < workers; w++)
            {
                weights[w] = PortableMath.Exp(weights[w] - largest);
                total += weights[w];
            }

            int n = members.Length;
            int start = 0;
            double cumulative = 0;
            for (int w = 0; w < workers; w++)
            {
                cumulative += weights[w];
                int end = w == workers - 1 ? n : Math.Clamp((int)Math.Floor(n * (cumulative / total)), start, n);
                parts[w].AddRange(members.AsSpan(start, end - start));
                start = end;
            }
        }

        for (int w = 0; w < workers; w++)
        {
            if (parts[w].Count > 0)
            {
                continue;
            }
            int donor = 0;
            for (int v = 1; v < workers; v++)
            {
                if (parts[v].Count > parts[donor].Count)
                {
                    donor = v;
                }
            }
            // The donor has at least two samples: there are at least as many samples as workers and one worker has none.
            var given = parts[donor];
            int j = random.Next(given.Count);
            parts[w].Add(given[j]);
            given[j] = given[^1];
            given.RemoveAt(given.Count - 1);
        }
        return parts.Select(part => part.ToArray()).ToArray();
    }

    /// <summary>
    /// Pathological label skew (McMahan et al. 2017, the "2 shards per client" split): sample indices sorted by label
    /// (ties by index), cut into workers x shardsPerWorker contiguous shards whose sizes differ by at most one (the
    /// first n mod S are one larger), and each worker gets shardsPerWorker shards drawn without replacement by a
    /// seeded shuffle of the shard ids. When no shard straddles two labels a worker sees at most shardsPerWorker labels.
    /// </summary>
    public static int[][] LabelShards(ReadOnlySpan<int> labels, int workers, int shardsPerWorker, ulong seed)
    {
        CheckWorkers(labels.Length, workers);
        if (shardsPerWorker < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(shardsPerWorker), shardsPerWorker, "Each worker needs at least one shard.");
        }
        long shardCount = (long)workers * shardsPerWorker;
        if (shardCount > labels.Length)
        {
            throw new ArgumentException(
                $"{workers} workers x {shardsPerWorker} shards each = {shardCount} shards, more than the {labels.Length} samples.",
                nameof(shardsPerWorker));
        }

        // One key per sample, label in the high half and index in the low half: sorting the keys is a stable sort by label.
        var keys = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0)
            {
                throw new ArgumentException($"Label {i} is {labels[i]}; labels cannot be negative.", nameof(labels));
            }
            keys[i] = ((long)labels[i] << 32) | (uint)i;
        }
        Array.Sort(keys);

        int shards = (int)shardCount;
        var shardStart = new int[shards + 1];
        int baseSize = labels.Length / shards;
        int larger = labels.Length % shards;
        for (int s = 0; s < shards; s++)
        {
            shardStart[s + 1] = shardStart[s] + baseSize + (s < larger ? 1 : 0);
        }

        var order = new int[shards];
        for (int s = 0; s < shards; s++)
        {
            order[s] = s;
        }
        Permutation.ShuffleInPlace<int>(order, new DeterministicRandom(seed));

        var parts = new int[workers][];
        for (int w = 0; w < workers; w++)
        {
            var part = new List<int>();
            for (int k = 0; k < shardsPerWorker; k++)
            {
                int s = order[w * shardsPerWorker + k];
                for (int p = shardStart[s]; p < shardStart[s + 1]; p++)
                {
                    part.Add((int)(keys[p] & 0xFFFFFFFF));
                }
            }
            parts[w] = [.. part];
        }
        return parts;
    }

    private static void CheckWorkers(int sampleCount, int workers)
    {
        if (workers < 1)
        {
            throw new ArgumentException($"Need at least one worker, got {workers}.", nameof(workers));
        }
        if (workers > sampleCount)
        {
            throw new ArgumentException(
                $"Cannot give each of {workers} workers a sample from {sampleCount} samples.", nameof(workers));
        }
    }
}
