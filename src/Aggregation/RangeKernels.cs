using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// The per-range computations behind <see cref="IMatrixPasses"/>: what one shard does on its coordinate range.
/// Cross-coordinate sums are returned as <see cref="BlockTree"/> nodes built from one partial per block, so the
/// caller's combination is independent of the range split.
/// </summary>
/// <remarks>
/// <para>Every block partial is a sum in double in the fixed order of <see cref="EightLanes"/> (eight lanes by
/// coordinate mod 8, then a fixed fold), and every coordinate-wise sum is a chain in row order starting from +0; the
/// vector kernels reproduce these orders exactly, so the bits depend neither on the machine's vector width nor on
/// the split. Products of two floats are exact in double; weighted terms w * x and squared differences are rounded
/// before they are added.</para>
/// <para>The nodes come from the workspace's pooled accumulator: they stay valid until the next pass that uses the
/// same workspace, which is after the caller has combined them.</para>
/// </remarks>
public static class RangeKernels
{
    /// <summary>Blocks per run of the passes that stream rows: 256 KiB of each row read in one go.</summary>
    private const int StreamRunBlocks = 64;

    /// <summary>Bytes of rows the fused sweep reads twice, the second time from the last-level cache (a quarter of
    /// this machine's 32 MiB; 2 to 32 MiB measured the same at n = 200, d = 10^5).</summary>
    private const long FusedRunBytes = 8L << 20;

    /// <summary>
    /// Block by block: the rule's output and kept band on the block, then per row the count of the block's
    /// coordinates whose value lies in the band, while the block's rows are still in cache.
    /// </summary>
    public static IReadOnlyList<BlockTree.Node> CoordinateWiseKept(GradientMatrix matrix, CoordinateRange range, IKeptBandRule rule,
        float[] output, AggregationWorkspace workspace)
    {
        CheckStart(range);
        var columns = Math.Min(CoordinatePartition.BlockSize, range.Length);
        var band = workspace.KeptBand(columns);
        var tree = workspace.Tree(matrix.Rows);
        foreach (var block in Blocks(range))
        {
            var low = band[..block.Length];
            var high = band.Slice(columns, block.Length);
            var counts = tree.NewLeaf();
            rule.AggregateRange(matrix, block, output.AsSpan(block.Start, block.Length), low, high, counts, workspace);
            tree.AddLeaf(block.Start / CoordinatePartition.BlockSize, counts);
        }
        return tree.Nodes;
    }

    /// <summary>Partial Gram matrix (n x n, row-major, symmetric) of the range.</summary>
    public static IReadOnlyList<BlockTree.Node> Gram(GradientMatrix matrix, CoordinateRange range, AggregationWorkspace workspace)
    {
        var n = matrix.Rows;
        CheckStart(range);
        var scratch = workspace.Doubles(GramBlock.ScratchLength(n, Math.Min(CoordinatePartition.BlockSize, range.Length)));
        var tree = workspace.Tree(n * n);
        foreach (var block in Blocks(range))
        {
            var partial = tree.NewLeaf();
            GramBlock.Compute(matrix, block, partial, scratch);
            tree.AddLeaf(block.Start / CoordinatePartition.BlockSize, partial);
        }
        return tree.Nodes;
    }

    /// <summary>Partial ||x_i - z||^2 over the range, for every row.</summary>
    public static IReadOnlyList<BlockTree.Node> SquaredDistances(GradientMatrix matrix, CoordinateRange range, float[] z,
        AggregationWorkspace workspace) =>
        RowSumsOverRuns(matrix, range, z, workspace, RowBlockSums.SquaredDistances);

    /// <summary>Partial &lt;x_i, v&gt; over the range, for every row.</summary>
    public static IReadOnlyList<BlockTree.Node> Dots(GradientMatrix matrix, CoordinateRange range, float[] v, AggregationWorkspace workspace) =>
        RowSumsOverRuns(matrix, range, v, workspace, RowBlockSums.Dots);

    /// <summary>output[j] = (float)(sum_i weights[i] * x_ij) for j in the range (output has length d), summed in double in row order.</summary>
    public static void WeightedSum(GradientMatrix matrix, CoordinateRange range, ReadOnlySpan<double> weights, Span<float> output,
        AggregationWorkspace workspace)
    {
        var scratch = workspace.Doubles(Math.Min(WeightedRows.TileColumns, range.Length));
        WeightedRows.WeightedSum(matrix, range, weights, output.Slice(range.Start, range.Length), scratch);
    }

    /// <summary>
    /// Run by run of a few blocks: the weighted sum of the run into output, then the run's partial ||x_i - output||^2
    /// per block while the run's rows are still in cache, so the matrix is read from memory once per Weiszfeld step.
    /// </summary>
    public static IReadOnlyList<BlockTree.Node> WeightedSumAndDistances(GradientMatrix matrix, CoordinateRange range,
        double[] weights, float[] output, AggregationWorkspace workspace)
    {
        CheckStart(range);
        var n = matrix.Rows;
        // The run's rows must still be in the last-level cache when the distances read them again.
        var runBlocks = (int)Math.Clamp(FusedRunBytes / ((long)n * CoordinatePartition.BlockSize * sizeof(float)), 1, StreamRunBlocks);
        var partialsLength = (RunBlocks(range, runBlocks) * n + 7) / 8 * 8;
        var scratch = workspace.Doubles(partialsLength + Math.Min(runBlocks * CoordinatePartition.BlockSize, range.Length));
        var partials = scratch[..partialsLength];
        var sums = scratch[partialsLength..];
        var tree = workspace.Tree(n);
        foreach (var run in Runs(range, runBlocks))
        {
            var point = output.AsSpan(run.Start, run.Length);
            WeightedRows.WeightedSum(matrix, run, weights, point, sums);
            RowBlockSums.SquaredDistances(matrix, run, point, partials);
            AddLeaves(tree, run, partials, n);
        }
        return tree.Nodes;
    }

    /// <summary>sums[j] = sum_i x_ij, squares[j] = sum_i x_ij^2 for j in the range.</summary>
    public static void ColumnMoments(GradientMatrix matrix, CoordinateRange range, double[] sums, double[] squares) =>
        WeightedRows.ColumnMoments(matrix, range, sums.AsSpan(range.Start, range.Length), squares.AsSpan(range.Start, range.Length));

    /// <summary>Rows of target = mixing (target.Rows x n, row-major) times the matrix, on the range.</summary>
    public static void Mix(GradientMatrix matrix, CoordinateRange range, double[] mixing, GradientMatrix target, AggregationWorkspace workspace)
    {
        var scratch = workspace.Doubles(Math.Min(WeightedRows.TileColumns, range.Length));
        WeightedRows.Mix(matrix, range, mixing, target, scratch);
    }

    /// <summary>A per-row, per-block sum of a term of (x_ij, y_j) over one run: <see cref="RowBlockSums"/>' kernels.</summary>
    private delegate void RowSumKernel(GradientMatrix matrix, CoordinateRange run, ReadOnlySpan<float> y, Span<double> partials);

    /// <summary>Streams the range in long runs (the rows stay in the prefetchers' stride) and hands every block's sums to the tree.</summary>
    private static IReadOnlyList<BlockTree.Node> RowSumsOverRuns(GradientMatrix matrix, CoordinateRange range, float[] y,
        AggregationWorkspace workspace, RowSumKernel kernel)
    {
        CheckStart(range);
        var n = matrix.Rows;
        var partials = workspace.Doubles(RunBlocks(range, StreamRunBlocks) * n);
        var tree = workspace.Tree(n);
        foreach (var run in Runs(range, StreamRunBlocks))
        {
            kernel(matrix, run, y.AsSpan(run.Start, run.Length), partials);
            AddLeaves(tree, run, partials, n);
        }
        return tree.Nodes;
    }

    private static void CheckStart(CoordinateRange range)
    {
        if (range.Start % CoordinatePartition.BlockSize != 0)
            throw new ArgumentException($"range {range} does not start on a block boundary", nameof(range));
    }

    private static IEnumerable<CoordinateRange> Blocks(CoordinateRange range) => Runs(range, 1);

    /// <summary>Consecutive pieces of the range of <paramref name="blocks"/> blocks each (the last may be shorter).</summary>
    private static IEnumerable<CoordinateRange> Runs(CoordinateRange range, int blocks)
    {
        var columns = blocks * CoordinatePartition.BlockSize;
        for (var start = range.Start; start < range.End; start += columns)
            yield return new CoordinateRange(start, Math.Min(columns, range.End - start));
    }

    /// <summary>Blocks in the longest run of the range.</summary>
    private static int RunBlocks(CoordinateRange range, int blocks) =>
        Math.Min(blocks, (range.Length + CoordinatePartition.BlockSize - 1) / CoordinatePartition.BlockSize);

    /// <summary>Hands the run's per-block partials (partials[b * n + i]) to the tree as leaves, in block order.</summary>
    private static void AddLeaves(BlockTree.Accumulator tree, CoordinateRange run, Span<double> partials, int n)
    {
        var first = run.Start / CoordinatePartition.BlockSize;
        for (var b = 0; b < RowBlockSums.BlockCount(run); b++)
        {
            var leaf = tree.NewLeaf();
            partials.Slice(b * n, n).CopyTo(leaf);
            tree.AddLeaf(first + b, leaf);
        }
    }
}
