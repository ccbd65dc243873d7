namespace FedActors.Learning;

/// <summary>
/// Draws a worker's mini-batch from its shard without replacement (a uniformly random subset of BatchSize indices,
/// by partial Fisher-Yates on a fresh copy of the shard). Each draw depends only on the Random passed in, never on
/// earlier draws, so a restarted worker given the same stream draws the same batch. When the batch is the whole shard
/// (batchSize null or equal to the shard length) the shard is returned in its stored order and no randomness is used.
/// Not thread-safe: one sampler per worker.
/// </summary>
public sealed class MiniBatchSampler
{
    private readonly int[] _shard;
    private readonly int[] _buffer;

    public MiniBatchSampler(int[] shard, int? batchSize)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (shard.Length == 0)
        {
            throw new ArgumentException("A worker needs at least one sample.", nameof(shard));
        }
        if (batchSize is { } size)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(batchSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(size, shard.Length, nameof(batchSize));
        }

        _shard = (int[])shard.Clone();
        _buffer = new int[_shard.Length];
        BatchSize = batchSize ?? _shard.Length;
    }

    /// <summary>The effective batch size: the shard length when constructed with null.</summary>
    public int BatchSize { get; }

    /// <summary>The batch indices: a view of an internal buffer, valid until the next call.</summary>
    public ReadOnlySpan<int> Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (BatchSize == _shard.Length)
        {
            return _shard;
        }
        _shard.CopyTo(_buffer, 0);
        Permutation.PartialShuffle<int>(_buffer, BatchSize, random);
        return new ReadOnlySpan<int>(_buffer, 0, BatchSize);
    }
}
