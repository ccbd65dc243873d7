using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// Coordinate-wise f-trimmed mean: per coordinate drop the f smallest and f largest values and average the n - 2f left
/// (Yin, Chen, Ramchandran, Bartlett, ICML 2018). f = 0 is the mean. Needs n &gt; 2f, MinimumRows = 2f + 1.
/// </summary>
/// <remarks>
/// The kept values are summed in double. With f = 0 this is <see cref="MeanRule"/>, bit for bit. Up to 1024 rows the
/// kept values are summed in ascending order, so permuting rows changes nothing; above, in selection order, so
/// permuting rows may change the last bit.
/// </remarks>
public sealed class TrimmedMeanRule : ICoordinateWiseRule
{
    public TrimmedMeanRule(int f)
    {
        MinimumRows = RuleArguments.CheckedMinimumRows(f, "trimmed-mean");
        F = f;
    }

    /// <summary>Number of smallest and of largest values dropped per coordinate.</summary>
    public int F { get; }

    public string Name => "trimmed-mean";

    public int MinimumRows { get; }

    public ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(report);
        // Row weights (the fraction of coordinates at which a row was kept) are not measured yet: left NaN.
        return rows.CoordinateWiseAsync(this, output);
    }

    /// <summary>Aggregates every column of the matrix directly, in the calling thread (the kernels' own entry point).</summary>
    public void Aggregate(GradientMatrix matrix, Span<float> output, AggregationWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        AggregateRange(matrix, new CoordinateRange(0, matrix.Columns), output, workspace);
    }

    public void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, AggregationWorkspace workspace)
    {
        RuleArguments.CheckRange(this, matrix, range, output.Length);
        ArgumentNullException.ThrowIfNull(workspace);
        if (F == 0)
            RowMean.Average(matrix, range, output, workspace);
        else
            OrderStatistics.AverageOfRanks(matrix, range, F, matrix.Rows - F - 1, output, workspace);
    }
}
