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
        if (workers < 1)
        {
            throw new ArgumentException($"Need at least one worker, got {workers}.", nameof(workers));
        }
        if (workers > sampleCount)
        {
            throw new ArgumentException(
                $"Cannot give each of {workers} workers a sample from {sampleCount} samples.", nameof(workers));
        }

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
}
