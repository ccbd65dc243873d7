using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// Coordinate-wise median, output_j = median_i x_ij (Yin, Chen, Ramchandran, Bartlett, "Byzantine-robust distributed
/// learning: towards optimal statistical rates", ICML 2018). Even n gives the mean of the two middle values (NumPy).
/// </summary>
/// <remarks>
/// <para>f is used only for validation: the median's breakdown point is 1/2, so it needs n &gt; 2f, MinimumRows = 2f + 1.
/// The result is exactly invariant to permuting the rows.</para>
/// <para>Report: row i's weight is the share of the kept values that were row i's, counting row i as kept at
/// coordinate j when x_(n-1)/2 &lt;= x_ij &lt;= x_(n/2) there (the one or two middle order statistics; see
/// <see cref="KeptBandWeights"/>); 0 for a row never in the middle.</para>
/// </remarks>
public sealed class CoordinateWiseMedianRule : IKeptBandRule
{
    public CoordinateWiseMedianRule(int f)
    {
        MinimumRows = RuleArguments.CheckedMinimumRows(f, "median");
        F = f;
    }

    /// <summary>Number of Byzantine rows the rule is told to tolerate.</summary>
    public int F { get; }

    public string Name => "median";

    public int MinimumRows { get; }

    public ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(report);
        return KeptBandWeights.AggregateAsync(rows, this, output, report);
    }

    /// <summary>Aggregates every column of the matrix directly, in the calling thread (the kernels' own entry point).</summary>
    public void Aggregate(GradientMatrix matrix, Span<float> output, AggregationWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        AggregateRange(matrix, new CoordinateRange(0, matrix.Columns), output, workspace);
    }

    public void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, AggregationWorkspace workspace) =>
        AggregateRange(matrix, range, output, default, default, workspace);

    public void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low, Span<float> high,
        AggregationWorkspace workspace)
    {
        RuleArguments.CheckRange(this, matrix, range, output.Length);
        ArgumentNullException.ThrowIfNull(workspace);
        var n = matrix.Rows;
        OrderStatistics.AverageOfRanks(matrix, range, (n - 1) / 2, n / 2, output, workspace, low, high);
    }
}
