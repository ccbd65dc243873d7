using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    private int[] _selectedColumns = [];

    /// <param name="checkFinite">Scan the matrix once for NaN and infinity. The coordinator has already rejected
    /// non-finite reports, so the pool skips the scan; a direct caller gets a clear error instead of garbage.</param>
    public MatrixPasses(GradientMatrix matrix, IRangeExecutor executor, bool checkFinite = true)
        : this(matrix, executor, checkFinite, level: 0)
    {
    }

    private MatrixPasses(GradientMatrix matrix, IRangeExecutor executor, bool checkFinite, int level)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(executor);
        if (executor.Ranges.Count == 0 || executor.Ranges[^1].End != matrix.Columns)
            throw new ArgumentException($"the executor's ranges do not cover the matrix's {matrix.Columns} columns", nameof(executor));
        if (checkFinite)
            FiniteCheck.Matrix(matrix);
        Matrix = matrix;
        _executor = executor;
        Level = level;
    }

    /// <summary>0 for the round's rows, k for the k-th mix of a chain: the matrix a <see cref="RangePass"/> names.</summary>
    public int Level { get; }

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
        await _executor.RunAsync(new RangePassPlan((range, workspace) =>
            {
                rule.AggregateRange(Matrix, range, output.AsSpan(range.Start, range.Length), workspace);
                return null;
            },
            _ => new CoordinateWisePass(Level, CoordinateWiseRuleSpec.Of(rule), CountKept: false),
            (range, result) => PlaceFloats(result, output, range)));
    }

    public async ValueTask CoordinateWiseAsync(IKeptBandRule rule, float[] output, double[] keptCounts)
    {
        ArgumentNullException.ThrowIfNull(rule);
        FiniteCheck.Length(output, Columns, nameof(output));
        FiniteCheck.Length(keptCounts, Rows, nameof(keptCounts));
        await Reduce(new RangePassPlan((range, workspace) => RangeKernels.CoordinateWiseKept(Matrix, range, rule, output, workspace),
            _ => new CoordinateWisePass(Level, CoordinateWiseRuleSpec.Of(rule), CountKept: true),
            (range, result) => PlaceFloats(result, output, range)), keptCounts);
    }

    public async ValueTask GramAsync(double[] gram)
    {
        FiniteCheck.Length(gram, Rows * Rows, nameof(gram));
        await Reduce(new RangePassPlan((range, workspace) => RangeKernels.Gram(Matrix, range, workspace), _ => new GramPass(Level)), gram);
    }

    public async ValueTask SquaredDistancesAsync(float[] z, double[] distances)
    {
        FiniteCheck.Values(z, Columns, nameof(z));
        FiniteCheck.Length(distances, Rows, nameof(distances));
        await Reduce(new RangePassPlan((range, workspace) => RangeKernels.SquaredDistances(Matrix, range, z, workspace),
            range => new SquaredDistancesPass(Level, z.AsSpan(range.Start, range.Length).ToArray())), distances);
    }

    public async ValueTask DotsAsync(float[] v, double[] dots)
    {
        FiniteCheck.Values(v, Columns, nameof(v));
        FiniteCheck.Length(dots, Rows, nameof(dots));
        await Reduce(new RangePassPlan((range, workspace) => RangeKernels.Dots(Matrix, range, v, workspace),
            range => new DotsPass(Level, v.AsSpan(range.Start, range.Length).ToArray())), dots);
    }

    public async ValueTask WeightedSumAsync(double[] weights, float[] output)
    {
        FiniteCheck.Values(weights, Rows, nameof(weights));
        FiniteCheck.Length(output, Columns, nameof(output));
        await _executor.RunAsync(new RangePassPlan((range, workspace) =>
            {
                RangeKernels.WeightedSum(Matrix, range, weights, output, workspace);
                return null;
            },
            _ => new WeightedSumPass(Level, weights, Distances: false),
            (range, result) => PlaceFloats(result, output, range)));
    }

    public async ValueTask WeightedSumAndDistancesAsync(double[] weights, float[] output, double[] distances)
    {
        FiniteCheck.Values(weights, Rows, nameof(weights));
        FiniteCheck.Length(output, Columns, nameof(output));
        FiniteCheck.Length(distances, Rows, nameof(distances));
        await Reduce(new RangePassPlan((range, workspace) => RangeKernels.WeightedSumAndDistances(Matrix, range, weights, output, workspace),
            _ => new WeightedSumPass(Level, weights, Distances: true),
            (range, result) => PlaceFloats(result, output, range)), distances);
    }

    public async ValueTask ColumnMomentsAsync(double[] sums, double[] squares)
    {
        FiniteCheck.Length(sums, Columns, nameof(sums));
        FiniteCheck.Length(squares, Columns, nameof(squares));
        await _executor.RunAsync(new RangePassPlan((range, _) =>
            {
                RangeKernels.ColumnMoments(Matrix, range, sums, squares);
                return null;
            },
            _ => new ColumnMomentsPass(Level),
            (range, result) =>
            {
                var moments = Expect(result.Doubles, 2 * range.Length, "column moments");
                moments.AsSpan(0, range.Length).CopyTo(sums.AsSpan(range.Start));
                moments.AsSpan(range.Length, range.Length).CopyTo(squares.AsSpan(range.Start));
            }));
    }

    public async ValueTask<IMatrixPasses> MixAsync(double[] mixing, int outputRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRows);
        FiniteCheck.Values(mixing, outputRows * Rows, nameof(mixing));
        if (_mixed is null || _mixed.RowCapacity != outputRows || _mixed.Columns != Columns)
            _mixed = new GradientMatrix(outputRows, Columns);
        var mixed = _mixed;
        await _executor.RunAsync(new RangePassPlan((range, workspace) =>
            {
                RangeKernels.Mix(Matrix, range, mixing, mixed, workspace);
                return null;
            },
            _ => new MixPass(Level, mixing, outputRows)));
        return new MatrixPasses(mixed, _executor, checkFinite: false, Level + 1);
    }

    /// <remarks>
    /// Each shard gathers the selected columns of its own range into one matrix in this process, and the block's
    /// passes run there on up to one thread per core: a rule that selects columns (BGMD) works on a block much
    /// smaller than d, not worth sending out again, and its sums are per block like every pass's, so they do not
    /// depend on how many threads split it.
    /// </remarks>
    public async ValueTask<IMatrixPasses> SelectColumnsAsync(int[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
            throw new ArgumentException("select at least one column", nameof(columns));
        // Our own copy: the gather reads it without bounds checks after the await, so a caller changing its array
        // meanwhile must not be able to send it outside the rows. Kept across calls: at the LeNet's d it is a large object.
        if (_selectedColumns.Length != columns.Length)
            _selectedColumns = new int[columns.Length];
        columns.CopyTo(_selectedColumns, 0);
        columns = _selectedColumns;
        for (var c = 0; c < columns.Length; c++)
        {
            if ((uint)columns[c] >= (uint)Columns || (c > 0 && columns[c] <= columns[c - 1]))
                throw new ArgumentException($"columns must be ascending, distinct and in [0, {Columns}); entry {c} is {columns[c]}", nameof(columns));
        }
        if (_selected is null || _selected.RowCapacity != Rows || _selected.Columns != columns.Length)
        {
            _selected = new GradientMatrix(Rows, columns.Length);
            var blocks = (columns.Length + CoordinatePartition.BlockSize - 1) / CoordinatePartition.BlockSize;
            _selectedPasses = Local(_selected, Math.Min(Math.Min(_executor.Ranges.Count, Environment.ProcessorCount), blocks), checkFinite: false);
        }
        var selected = _selected;
        await _executor.RunAsync(new RangePassPlan((range, _) =>
            {
                var (first, end) = ColumnsIn(columns, range);
                Gather(Matrix, columns, selected, first, end);
                return null;
            },
            range =>
            {
                var (first, end) = ColumnsIn(columns, range);
                return new SelectColumnsPass(Level, columns[first..end].Select(column => column - range.Start).ToArray());
            },
            (range, result) =>
            {
                var (first, end) = ColumnsIn(columns, range);
                var width = end - first;
                var values = Expect(result.Floats, Rows * width, "selected columns");
                for (var i = 0; i < Rows; i++)
                    values.AsSpan(i * width, width).CopyTo(selected.Row(i)[first..]);
            }));
        return _selectedPasses!;
    }

    public async ValueTask CopyRowAsync(int row, float[] destination)
    {
        FiniteCheck.Length(destination, Columns, nameof(destination));
        if ((uint)row >= (uint)Rows)
            throw new ArgumentOutOfRangeException(nameof(row), row, $"row must be in [0, {Rows})");
        if (_executor.SharesMatrices)
        {
            Matrix.RowView(row).CopyTo(destination);
            return;
        }
        await _executor.RunAsync(new RangePassPlan((range, _) =>
            {
                Matrix.RowView(row).Slice(range.Start, range.Length).CopyTo(destination.AsSpan(range.Start));
                return null;
            },
            _ => new CopyRowPass(Level, row),
            (range, result) => PlaceFloats(result, destination, range)));
    }

    /// <summary>target[i][c] = source[i][columns[c]] for every row and c in [first, end).</summary>
    /// <remarks>
    /// Without bounds checks: SelectColumnsAsync has checked that its own copy of the columns ascends within the
    /// matrix. The copy is bound by memory (it touches about 80 % of the lines when a tenth of the columns is spread
    /// over the row), so this only takes the checks' instructions off: 3.0 -> 2.8 ms for 200 x 10^5 on two threads (a
    /// throw-away harness, best of 40).
    /// </remarks>
    private static void Gather(GradientMatrix source, int[] columns, GradientMatrix target, int first, int end)
    {
        if (end <= first)
            return;
        ref var column = ref MemoryMarshal.GetArrayDataReference(columns);
        for (var i = 0; i < source.Rows; i++)
        {
            ref var from = ref MemoryMarshal.GetReference(source.RowView(i));
            ref var to = ref MemoryMarshal.GetReference(target.Row(i));
            for (var c = first; c < end; c++)
                Unsafe.Add(ref to, c) = Unsafe.Add(ref from, Unsafe.Add(ref column, c));
        }
    }

    /// <summary>The indices [first, end) of the ascending <paramref name="columns"/> that fall in the range.</summary>
    private static (int First, int End) ColumnsIn(int[] columns, CoordinateRange range)
    {
        var first = Array.BinarySearch(columns, range.Start);
        if (first < 0) first = ~first;
        var end = Array.BinarySearch(columns, range.End);
        if (end < 0) end = ~end;
        return (first, end);
    }

    private static void PlaceFloats(RangePassResult result, float[] output, CoordinateRange range) =>
        Expect(result.Floats, range.Length, "values").CopyTo(output.AsSpan(range.Start));

    private static T[] Expect<T>(T[]? values, int length, string what) =>
        values is not null && values.Length == length
            ? values
            : throw new InvalidOperationException($"a shard answered {values?.Length ?? 0} {what} where {length} were expected");

    private async ValueTask Reduce(RangePassPlan plan, double[] result)
    {
        var covers = await _executor.RunAsync(plan);
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
