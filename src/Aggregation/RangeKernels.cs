namespace FedActors.Aggregation;

/// <summary>
/// The per-range computations behind <see cref="IMatrixPasses"/>: what one shard does on its coordinate range.
/// Cross-coordinate sums are returned as <see cref="BlockTree"/> nodes built from one partial per block, so the
/// caller's combination is independent of the range split.
/// </summary>
public static class RangeKernels
{
    /// <summary>Partial Gram matrix (n x n, row-major, symmetric) of the range.</summary>
    public static IReadOnlyList<BlockTree.Node> Gram(GradientMatrix matrix, CoordinateRange range)
    {
        var n = matrix.Rows;
        return OverBlocks(range, n * n, (block, partial) =>
        {
            for (var i = 0; i < n; i++)
            {
                var xi = matrix.RowView(i).Slice(block.Start, block.Length);
                for (var k = i; k < n; k++)
                {
                    var sum = Dot(xi, matrix.RowView(k).Slice(block.Start, block.Length));
                    partial[i * n + k] = sum;
                    partial[k * n + i] = sum;
                }
            }
        });
    }

    /// <summary>Partial ||x_i - z||^2 over the range, for every row.</summary>
    public static IReadOnlyList<BlockTree.Node> SquaredDistances(GradientMatrix matrix, CoordinateRange range, float[] z) =>
        OverBlocks(range, matrix.Rows, (block, partial) => PartialSquaredDistances(matrix, block, z, partial));

    /// <summary>Partial &lt;x_i, v&gt; over the range, for every row.</summary>
    public static IReadOnlyList<BlockTree.Node> Dots(GradientMatrix matrix, CoordinateRange range, float[] v) =>
        OverBlocks(range, matrix.Rows, (block, partial) =>
        {
            var vBlock = v.AsSpan(block.Start, block.Length);
            for (var i = 0; i < matrix.Rows; i++)
                partial[i] = Dot(matrix.RowView(i).Slice(block.Start, block.Length), vBlock);
        });

    /// <summary>output[j] = sum_i weights[i] * x_ij for j in the range, summed in double in row order.</summary>
    public static void WeightedSum(GradientMatrix matrix, CoordinateRange range, ReadOnlySpan<double> weights, Span<float> output)
    {
        for (var j = range.Start; j < range.End; j++)
        {
            var sum = 0.0;
            for (var i = 0; i < matrix.Rows; i++)
                sum += weights[i] * matrix.RowView(i)[j];
            output[j] = (float)sum;
        }
    }

    /// <summary>The weighted sum of the range into output, then partial ||x_i - output||^2 over the range.</summary>
    public static IReadOnlyList<BlockTree.Node> WeightedSumAndDistances(GradientMatrix matrix, CoordinateRange range,
        double[] weights, float[] output) =>
        OverBlocks(range, matrix.Rows, (block, partial) =>
        {
            WeightedSum(matrix, block, weights, output);
            PartialSquaredDistances(matrix, block, output, partial);
        });

    /// <summary>sums[j] = sum_i x_ij, squares[j] = sum_i x_ij^2 for j in the range.</summary>
    public static void ColumnMoments(GradientMatrix matrix, CoordinateRange range, double[] sums, double[] squares)
    {
        for (var j = range.Start; j < range.End; j++)
        {
            double sum = 0, square = 0;
            for (var i = 0; i < matrix.Rows; i++)
            {
                double value = matrix.RowView(i)[j];
                sum += value;
                square += value * value;
            }
            sums[j] = sum;
            squares[j] = square;
        }
    }

    /// <summary>Rows of target = mixing (outputRows x n, row-major) times the matrix, on the range.</summary>
    public static void Mix(GradientMatrix matrix, CoordinateRange range, double[] mixing, GradientMatrix target)
    {
        var n = matrix.Rows;
        for (var r = 0; r < target.Rows; r++)
            WeightedSum(matrix, range, mixing.AsSpan(r * n, n), target.Row(r));
    }

    private static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var sum = 0.0;
        for (var j = 0; j < x.Length; j++)
            sum += (double)x[j] * y[j];
        return sum;
    }

    private static void PartialSquaredDistances(GradientMatrix matrix, CoordinateRange block, float[] z, double[] partial)
    {
        var zBlock = z.AsSpan(block.Start, block.Length);
        for (var i = 0; i < matrix.Rows; i++)
        {
            var x = matrix.RowView(i).Slice(block.Start, block.Length);
            var sum = 0.0;
            for (var j = 0; j < x.Length; j++)
            {
                var difference = (double)x[j] - zBlock[j];
                sum += difference * difference;
            }
            partial[i] = sum;
        }
    }

    /// <summary>One partial of <paramref name="width"/> values per block of the range, folded into tree nodes.</summary>
    private static IReadOnlyList<BlockTree.Node> OverBlocks(CoordinateRange range, int width, Action<CoordinateRange, double[]> leaf)
    {
        if (range.Start % CoordinatePartition.BlockSize != 0)
            throw new ArgumentException($"range {range} does not start on a block boundary", nameof(range));
        var accumulator = new BlockTree.Accumulator();
        for (var start = range.Start; start < range.End; start += CoordinatePartition.BlockSize)
        {
            var block = new CoordinateRange(start, Math.Min(CoordinatePartition.BlockSize, range.End - start));
            var partial = new double[width];
            leaf(block, partial);
            accumulator.AddLeaf(start / CoordinatePartition.BlockSize, partial);
        }
        return accumulator.Nodes;
    }
}
