using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// <see cref="IMatrixPasses"/> over a <see cref="GradientMatrix"/>, with each pass's range work run by an
/// <see cref="IRangeExecutor"/> and cross-coordinate sums combined by <see cref="BlockTree"/>: the same bits for any
/// number of shards, whether the shards are thread-pool tasks or actors.
/// </summary>
public sealed class MatrixPasses : IMatrixPasses
{
    private readonly IRangeExecutor _executor;
    private GradientMatrix? _mixed;
    private GradientMatrix? _selected;
    private MatrixPasses? _selectedPasses;

    /// <param name="checkFinite">Scan the matrix once for NaN and infinity. The coordinator has already rejected
    /// non-finite reports, so the pool skips the scan; a direct caller gets a clear error instead of garbage.</param>
    public MatrixPasses(GradientMatrix matrix, IRangeExecutor executor, bool checkFinite = true)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(executor);
        if (executor.Ranges.Count == 0 || executor.Ranges[^1].End != matrix.Columns)
            throw new ArgumentException($"the executor's ranges do not cover the matrix's {matrix.Columns} columns", nameof(executor));
        if (checkFinite)
            FiniteCheck.Matrix(matrix);
        Matrix = matrix;
        _executor = executor;
    }

    /// <summary>Passes over <paramref name="matrix"/> in this process, split into <paramref name="shards"/> ranges.</summary>
    public static MatrixPasses Local(GradientMatrix matrix, int shards = 1, bool checkFinite = true) =>
        new(matrix, new ParallelRangeExecutor(matrix.Columns, shards), checkFinite);

    /// <summary>The matrix the passes read.</summary>
    public GradientMatrix Matrix { get; }

    public int Rows => Matrix.Rows;

    public int Columns => Matrix.Columns;

    public async ValueTask CoordinateWiseAsync(ICoordinateWiseRule rule, float[] output)
    {
        FiniteCheck.Length(output, Columns, nameof(output));
        await _executor.RunAsync((range, workspace) =>
        {
            rule.AggregateRange(Matrix, range, output.AsSpan(range.Start, range.Length), workspace);
            return null;
        });
    }

    public async ValueTask CoordinateWiseAsync(IKeptBandRule rule, float[] output, double[] keptCounts)
    {
        ArgumentNullException.ThrowIfNull(rule);
        FiniteCheck.Length(output, Columns, nameof(output));
        FiniteCheck.Length(keptCounts, Rows, nameof(keptCounts));
        await Reduce((range, workspace) => RangeKernels.CoordinateWiseKept(Matrix, range, rule, output, workspace), keptCounts);
    }

    public async ValueTask GramAsync(double[] gram)
    {
        FiniteCheck.Length(gram, Rows * Rows, nameof(gram));
        await Reduce((range, workspace) => RangeKernels.Gram(Matrix, range, workspace), gram);
    }

    public async ValueTask SquaredDistancesAsync(float[] z, double[] distances)
    {
        FiniteCheck.Values(z, Columns, nameof(z));
        FiniteCheck.Length(distances, Rows, nameof(distances));
        await Reduce((range, workspace) => RangeKernels.SquaredDistances(Matrix, range, z, workspace), distances);
    }

    public async ValueTask DotsAsync(float[] v, double[] dots)
    {
        FiniteCheck.Values(v, Columns, nameof(v));
        FiniteCheck.Length(dots, Rows, nameof(dots));
        await Reduce((range, workspace) => RangeKernels.Dots(Matrix, range, v, workspace), dots);
    }

    public async ValueTask WeightedSumAsync(double[] weights, float[] output)
    {
        FiniteCheck.Values(weights, Rows, nameof(weights));
        FiniteCheck.Length(output, Columns, nameof(output));
        await _executor.RunAsync((range, workspace) =>
        {
            RangeKernels.WeightedSum(Matrix, range, weights, output, workspace);
            return null;
        });
    }

    public async ValueTask WeightedSumAndDistancesAsync(double[] weights, float[] output, double[] distances)
    {
        FiniteCheck.Values(weights, Rows, nameof(weights));
        FiniteCheck.Length(output, Columns, nameof(output));
        FiniteCheck.Length(distances, Rows, nameof(distances));
        await Reduce((range, workspace) => RangeKernels.WeightedSumAndDistances(Matrix, range, weights, output, workspace), distances);
    }

    public async ValueTask ColumnMomentsAsync(double[] sums, double[] squares)
    {
        FiniteCheck.Length(sums, Columns, nameof(sums));
        FiniteCheck.Length(squares, Columns, nameof(squares));
        await _executor.RunAsync((range, _) =>
        {
            RangeKernels.ColumnMoments(Matrix, range, sums, squares);
            return null;
        });
    }

    public async ValueTask<IMatrixPasses> MixAsync(double[] mixing, int outputRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRows);
        FiniteCheck.Values(mixing, outputRows * Rows, nameof(mixing));
        if (_mixed is null || _mixed.RowCapacity != outputRows || _mixed.Columns != Columns)
            _mixed = new GradientMatrix(outputRows, Columns);
        var mixed = _mixed;
        await _executor.RunAsync((range, workspace) =>
        {
            RangeKernels.Mix(Matrix, range, mixing, mixed, workspace);
            return null;
        });
        return new MatrixPasses(mixed, _executor, checkFinite: false);
    }

    /// <remarks>
    /// The selected block is gathered into one matrix and its passes run as a single range: a rule that selects
    /// columns (BGMD) works on a block much smaller than d, and one range keeps its sums independent of the shards.
    /// </remarks>
    public ValueTask<IMatrixPasses> SelectColumnsAsync(int[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
            throw new ArgumentException("select at least one column", nameof(columns));
        for (var c = 0; c < columns.Length; c++)
        {
            if ((uint)columns[c] >= (uint)Columns || (c > 0 && columns[c] <= columns[c - 1]))
                throw new ArgumentException($"columns must be ascending, distinct and in [0, {Columns}); entry {c} is {columns[c]}", nameof(columns));
        }
        if (_selected is null || _selected.RowCapacity != Rows || _selected.Columns != columns.Length)
        {
            _selected = new GradientMatrix(Rows, columns.Length);
            _selectedPasses = Local(_selected, shards: 1, checkFinite: false);
        }
        for (var i = 0; i < Rows; i++)
        {
            var source = Matrix.RowView(i);
            var target = _selected.Row(i);
            for (var c = 0; c < columns.Length; c++)
                target[c] = source[columns[c]];
        }
        return ValueTask.FromResult<IMatrixPasses>(_selectedPasses!);
    }

    public ValueTask CopyRowAsync(int row, float[] destination)
    {
        FiniteCheck.Length(destination, Columns, nameof(destination));
        Matrix.RowView(row).CopyTo(destination);
        return ValueTask.CompletedTask;
    }

    private async ValueTask Reduce(RangeWork work, double[] result)
    {
        var covers = await _executor.RunAsync(work);
        var blockCount = (Columns + CoordinatePartition.BlockSize - 1) / CoordinatePartition.BlockSize;
        BlockTree.Combine(blockCount, covers, result);
    }
}

/// <summary>Argument checks of the passes: lengths, and no NaN or infinity reaching a kernel.</summary>
internal static class FiniteCheck
{
    public static void Length<T>(T[] array, int length, string name)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (array.Length != length)
            throw new ArgumentException($"{name} has {array.Length} values, expected {length}", name);
    }

    public static void Values(float[] values, int length, string name)
    {
        Length(values, length, name);
        var bad = FiniteScan.FirstNonFinite(values);
        if (bad >= 0)
            throw new ArgumentException($"{name}[{bad}] is {values[bad]}; aggregation needs finite values", name);
    }

    public static void Values(double[] values, int length, string name)
    {
        Length(values, length, name);
        var bad = FiniteScan.FirstNonFinite(values);
        if (bad >= 0)
            throw new ArgumentException($"{name}[{bad}] is {values[bad]}; aggregation needs finite values", name);
    }

    public static void Matrix(GradientMatrix matrix)
    {
        for (var i = 0; i < matrix.Rows; i++)
        {
            var row = matrix.RowView(i);
            var j = FiniteScan.FirstNonFinite(row);
            if (j >= 0)
                throw new ArgumentException($"row {i} holds {row[j]} at coordinate {j}; aggregation needs finite values", nameof(matrix));
        }
    }
}
