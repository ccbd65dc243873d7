namespace FedActors.Learning;

/// <summary>
/// Fisher-Yates shuffles written out here rather than taken from Random.Shuffle, whose algorithm the runtime
/// does not promise to keep.
/// </summary>
internal static class Permutation
{
    public static void ShuffleInPlace<T>(Span<T> values, Random random)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>
    /// Moves a uniformly random k-subset, in random order, into values[..k] (partial Fisher-Yates; k draws).
    /// </summary>
    public static void PartialShuffle<T>(Span<T> values, int k, Random random)
    {
        int n = values.Length;
        for (int i = 0; i < k; i++)
        {
            int j = i + random.Next(n - i);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
