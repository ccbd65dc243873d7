namespace FedActors.Aggregation;

/// <summary>
/// One pass of <see cref="IMatrixPasses"/> on one shard's coordinate range, as plain data: what a shard that holds
/// only its own columns of the rows (<see cref="ShardColumns"/>) needs to run it, so the pass can cross to another
/// process. A closed set, one record per pass; vector inputs are the range's slice only.
/// </summary>
/// <param name="Source">Which of the shard's matrices the pass reads: 0 the round's rows, k the result of the k-th
/// mix in a chain of mixes (a <see cref="MatrixPasses"/> returned by a mix reads level + 1).</param>
public abstract record RangePass(int Source);

/// <summary>A coordinate-wise rule; with <paramref name="CountKept"/> also the per-row counts of kept values.</summary>
public sealed record CoordinateWisePass(int Source, CoordinateWiseRuleSpec Rule, bool CountKept) : RangePass(Source);

public sealed record GramPass(int Source) : RangePass(Source);

/// <summary>||x_i - z||^2 over the range; <paramref name="Z"/> is z's slice of the range.</summary>
public sealed record SquaredDistancesPass(int Source, float[] Z) : RangePass(Source);

/// <summary>&lt;x_i, v&gt; over the range; <paramref name="V"/> is v's slice of the range.</summary>
public sealed record DotsPass(int Source, float[] V) : RangePass(Source);

/// <summary>The weighted sum of the rows on the range; with <paramref name="Distances"/>, also the fused distances to it.</summary>
public sealed record WeightedSumPass(int Source, double[] Weights, bool Distances) : RangePass(Source);

public sealed record ColumnMomentsPass(int Source) : RangePass(Source);

/// <summary>Stores Y = M X (row-major <paramref name="OutputRows"/> x n) on the range as level Source + 1.</summary>
public sealed record MixPass(int Source, double[] Mixing, int OutputRows) : RangePass(Source);

/// <summary>The values of the given columns (relative to the range's start, ascending) of every row.</summary>
public sealed record SelectColumnsPass(int Source, int[] Columns) : RangePass(Source);

public sealed record CopyRowPass(int Source, int Row) : RangePass(Source);

/// <summary>
/// A coordinate-wise rule by its config name and the numbers that define it, so a shard can rebuild the same rule:
/// mean, median, trimmed-mean and the mean around median (meamed, and Bulyan's inner step with its own minimum).
/// </summary>
public sealed record CoordinateWiseRuleSpec(string Name, int F, int MinimumRows, string Label)
{
    /// <summary>The spec of a rule; throws <see cref="NotSupportedException"/> for a rule a remote shard cannot rebuild.</summary>
    public static CoordinateWiseRuleSpec Of(ICoordinateWiseRule rule) => rule switch
    {
        MeanRule => new("mean", 0, rule.MinimumRows, rule.Name),
        CoordinateWiseMedianRule median => new("median", median.F, rule.MinimumRows, rule.Name),
        TrimmedMeanRule trimmed => new("trimmed-mean", trimmed.F, rule.MinimumRows, rule.Name),
        MeanAroundMedianRule around => new("meamed", around.F, rule.MinimumRows, rule.Name),
        _ => throw new NotSupportedException(
            $"the coordinate-wise rule {rule.Name} ({rule.GetType().Name}) has no description a remote shard can rebuild"),
    };

    /// <summary>Rebuilds the rule; throws <see cref="ArgumentException"/> for a name it does not know.</summary>
    public ICoordinateWiseRule Create() => Name switch
    {
        "mean" => new MeanRule(),
        "median" => new CoordinateWiseMedianRule(F),
        "trimmed-mean" => new TrimmedMeanRule(F),
        "meamed" => new MeanAroundMedianRule(F, MinimumRows, Label),
        _ => throw new ArgumentException($"no coordinate-wise rule '{Name}' (mean, median, trimmed-mean, meamed)", nameof(Name)),
    };
}

/// <summary>
/// What a shard answers for one <see cref="RangePass"/>: its block-tree nodes (numbered as in the whole tree) when the
/// pass sums over coordinates, and its coordinate-wise values for the range: <paramref name="Floats"/> (an output slice,
/// a row slice, or the selected columns of every row, row-major) or <paramref name="Doubles"/> (column sums, then
/// column sums of squares).
/// </summary>
public sealed record RangePassResult(IReadOnlyList<BlockTree.Node>? Nodes, float[]? Floats, double[]? Doubles);

/// <summary>
/// A pass as both a closure (run where the matrix is) and a description per range (run where only a range's columns
/// are), with where to put a described range's coordinate-wise answer. <see cref="IRangeExecutor"/>s that run in
/// this process use the closure only.
/// </summary>
public sealed class RangePassPlan(RangeWork work, Func<CoordinateRange, RangePass> describe, Action<CoordinateRange, RangePassResult>? place = null)
{
    public RangeWork Work { get; } = work;

    /// <summary>The pass for the shard of <paramref name="range"/>, with the range's slices of the vector inputs.</summary>
    public RangePass Describe(CoordinateRange range) => describe(range);

    /// <summary>Writes a described range's coordinate-wise answer into the caller's arrays.</summary>
    public void Place(CoordinateRange range, RangePassResult result) => place?.Invoke(range, result);
}

/// <summary>
/// A shard's own columns of the round's rows and of the matrices its mixes produced, numbered from 0, and the runner
/// of <see cref="RangePass"/>es on them. The block-tree nodes it returns carry the blocks' numbers in the whole
/// matrix, so the caller combines them exactly as it combines the nodes of a shard that reads the whole matrix.
/// </summary>
public sealed class ShardColumns
{
    private readonly List<GradientMatrix?> _levels = [null];
    private readonly AggregationWorkspace _workspace;

    /// <param name="range">The shard's coordinates in the whole matrix; must start on a block boundary.</param>
    public ShardColumns(CoordinateRange range)
    {
        if (range.Start % CoordinatePartition.BlockSize != 0)
            throw new ArgumentException($"range {range} does not start on a block boundary", nameof(range));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(range.Length, nameof(range));
        Range = range;
        _workspace = new AggregationWorkspace(range.Start / CoordinatePartition.BlockSize);
    }

    public CoordinateRange Range { get; }

    private CoordinateRange Local => new(0, Range.Length);

    /// <summary>Stores the round's rows: <paramref name="values"/> is rows x the range's length, row-major.</summary>
    public void Load(int rows, ReadOnlySpan<float> values)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (values.Length != (long)rows * Range.Length)
            throw new ArgumentException($"{values.Length} values are not {rows} rows of the range's {Range.Length} columns", nameof(values));
        var matrix = Reuse(0, rows);
        for (var i = 0; i < rows; i++)
            values.Slice(i * Range.Length, Range.Length).CopyTo(matrix.Row(i));
    }

    /// <summary>Copies this range's columns of every row of <paramref name="matrix"/> into one row-major array.</summary>
    public static float[] Slice(GradientMatrix matrix, CoordinateRange range)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var values = new float[(long)matrix.Rows * range.Length];
        for (var i = 0; i < matrix.Rows; i++)
            matrix.RowView(i).Slice(range.Start, range.Length).CopyTo(values.AsSpan(i * range.Length, range.Length));
        return values;
    }

    /// <summary>Runs the pass on the stored columns. Throws <see cref="InvalidOperationException"/> when its source was never stored.</summary>
    public RangePassResult Run(RangePass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var matrix = Source(pass.Source);
        var length = Range.Length;
        switch (pass)
        {
            case CoordinateWisePass p:
            {
                var output = new float[length];
                var rule = p.Rule.Create();
                if (!p.CountKept)
                {
                    rule.AggregateRange(matrix, Local, output, _workspace);
                    return new RangePassResult(null, output, null);
                }
                if (rule is not IKeptBandRule kept)
                    throw new ArgumentException($"{rule.Name} keeps no band of values to count");
                return new RangePassResult(Copy(RangeKernels.CoordinateWiseKept(matrix, Local, kept, output, _workspace)), output, null);
            }
            case GramPass:
                return new RangePassResult(Copy(RangeKernels.Gram(matrix, Local, _workspace)), null, null);
            case SquaredDistancesPass p:
                CheckSlice(p.Z.Length);
                return new RangePassResult(Copy(RangeKernels.SquaredDistances(matrix, Local, p.Z, _workspace)), null, null);
            case DotsPass p:
                CheckSlice(p.V.Length);
                return new RangePassResult(Copy(RangeKernels.Dots(matrix, Local, p.V, _workspace)), null, null);
            case WeightedSumPass p:
            {
                CheckWeights(p.Weights.Length, matrix.Rows);
                var output = new float[length];
                if (!p.Distances)
                {
                    RangeKernels.WeightedSum(matrix, Local, p.Weights, output, _workspace);
                    return new RangePassResult(null, output, null);
                }
                return new RangePassResult(Copy(RangeKernels.WeightedSumAndDistances(matrix, Local, p.Weights, output, _workspace)), output, null);
            }
            case ColumnMomentsPass:
            {
                var moments = new double[2 * length];
                var sums = new double[length];
                var squares = new double[length];
                RangeKernels.ColumnMoments(matrix, Local, sums, squares);
                sums.CopyTo(moments, 0);
                squares.CopyTo(moments, length);
                return new RangePassResult(null, null, moments);
            }
            case MixPass p:
            {
                if (p.OutputRows < 1 || p.Mixing.Length != (long)p.OutputRows * matrix.Rows)
                    throw new ArgumentException($"a mix of {p.OutputRows} rows from {matrix.Rows} needs {p.OutputRows * matrix.Rows} coefficients, got {p.Mixing.Length}");
                RangeKernels.Mix(matrix, Local, p.Mixing, Reuse(p.Source + 1, p.OutputRows), _workspace);
                return new RangePassResult(null, null, null);
            }
            case SelectColumnsPass p:
            {
                var values = new float[(long)matrix.Rows * p.Columns.Length];
                for (var i = 0; i < matrix.Rows; i++)
                {
                    var row = matrix.RowView(i);
                    for (var c = 0; c < p.Columns.Length; c++)
                        values[i * p.Columns.Length + c] = row[p.Columns[c]];
                }
                return new RangePassResult(null, values, null);
            }
            case CopyRowPass p:
                return new RangePassResult(null, matrix.RowView(p.Row).ToArray(), null);
            default:
                throw new ArgumentException($"unknown pass {pass.GetType().Name}", nameof(pass));
        }
    }

    private GradientMatrix Source(int level)
    {
        if (level < 0 || level >= _levels.Count || _levels[level] is not { } matrix)
            throw new InvalidOperationException(level == 0
                ? $"shard {Range}: no rows were loaded for this round"
                : $"shard {Range}: no mix produced matrix level {level}");
        return matrix;
    }

    private GradientMatrix Reuse(int level, int rows)
    {
        while (_levels.Count <= level)
            _levels.Add(null);
        if (_levels[level] is not { } matrix || matrix.RowCapacity != rows)
        {
            matrix = new GradientMatrix(rows, Range.Length);
            _levels[level] = matrix;
        }
        return matrix;
    }

    private void CheckSlice(int length)
    {
        if (length != Range.Length)
            throw new ArgumentException($"a vector slice of {length} values for a range of {Range.Length}");
    }

    private static void CheckWeights(int weights, int rows)
    {
        if (weights != rows)
            throw new ArgumentException($"{weights} weights for {rows} rows");
    }

    /// <summary>The workspace's nodes are reused by its next pass; the answer must outlive it.</summary>
    private static BlockTree.Node[] Copy(IReadOnlyList<BlockTree.Node> nodes) =>
        nodes.Select(node => new BlockTree.Node(node.Level, node.Index, node.Values.ToArray())).ToArray();
}
