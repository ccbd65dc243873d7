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
public sealed class CoordinateWiseMedianRule : OrderStatisticRule
{
    public CoordinateWiseMedianRule(int f)
    {
        MinimumRows = RuleArguments.CheckedMinimumRows(f, "median");
        F = f;
    }

    /// <summary>Number of Byzantine rows the rule is told to tolerate.</summary>
    public int F { get; }

    public override string Name => "median";

    public override int MinimumRows { get; }

    public override void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low, Span<float> high,
        AggregationWorkspace workspace) =>
        AggregateRange(matrix, range, output, low, high, Span<double>.Empty, workspace);

    /// <summary>The kernel counts the kept values itself when given room for the counts (none: no counting).</summary>
    public override void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low, Span<float> high,
        Span<double> kept, AggregationWorkspace workspace)
    {
        RuleArguments.CheckRange(this, matrix, range, output.Length);
        ArgumentNullException.ThrowIfNull(workspace);
        var n = matrix.Rows;
        OrderStatistics.AverageOfRanks(matrix, range, (n - 1) / 2, n / 2, output, workspace, low, high, kept);
    }
}
