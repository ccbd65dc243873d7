namespace FedActors.Aggregation;

/// <summary>
/// Splits the d coordinates into contiguous shard ranges whose boundaries fall on multiples of <see cref="BlockSize"/>.
/// </summary>
public static class CoordinatePartition
{
    /// <summary>
    /// Coordinates are grouped in fixed blocks of BlockSize (1024) so that partial sums (Gram matrices, distances, dot
    /// products) are computed per block and combined by a tree fixed by the block count alone (see
    /// <see cref="BlockTree"/>): identical whatever the shard count. 1024 keeps the per-block combine cost under 0.2%
    /// of a Gram block's work, and still gives every shard its own blocks once d reaches a few thousand.
    /// </summary>
    public const int BlockSize = 1024;

    /// <summary>
    /// Splits [0, columns) into <paramref name="parts"/> contiguous ranges whose boundaries fall on block boundaries,
    /// as even as possible in whole blocks (the first <c>blocks % parts</c> ranges get one block more); ranges are
    /// empty when there are fewer blocks than parts. Always returns exactly <paramref name="parts"/> ranges, covering
    /// [0, columns) in order; only the last non-empty range may end on a partial block.
    /// </summary>
    public static CoordinateRange[] Split(int columns, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);

        var blocks = (int)(((long)columns + BlockSize - 1) / BlockSize);
        var blocksPerPart = blocks / parts;
        var partsWithOneMore = blocks % parts;
        var ranges = new CoordinateRange[parts];
        var start = 0;
        for (var p = 0; p < parts; p++)
        {
            var partBlocks = blocksPerPart + (p < partsWithOneMore ? 1 : 0);
            var end = (int)Math.Min((long)start + (long)partBlocks * BlockSize, columns);
            ranges[p] = new CoordinateRange(start, end - start);
            start = end;
        }
        return ranges;
    }
}
