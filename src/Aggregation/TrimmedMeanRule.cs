using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// Coordinate-wise f-trimmed mean: per coordinate drop the f smallest and f largest values and average the n - 2f left
/// (Yin, Chen, Ramchandran, Bartlett, ICML 2018). f = 0 is the mean. Needs n &gt; 2f, MinimumRows = 2f + 1.
/// </summary>
/// <remarks>
/// <para>The kept values are summed in double. With f = 0 this is <see cref="MeanRule"/>, bit for bit. Up to 1024 rows
/// the kept values are summed in ascending order, so permuting rows changes nothing; above, in selection order, so
/// permuting rows may change the last bit.</para>
/// <para>Report: row i's weight is the share of the kept values that were row i's, counting row i as kept at
/// coordinate j when x_(f) &lt;= x_ij &lt;= x_(n-f-1) there (see <see cref="KeptBandWeights"/>); 0 for a row
/// trimmed at every coordinate. With f = 0 every row weighs 1/n, as in <see cref="MeanRule"/>.</para>
/// </remarks>
public sealed class TrimmedMeanRule : OrderStatisticRule
{
    public TrimmedMeanRule(int f)
    {
        MinimumRows = RuleArguments.CheckedMinimumRows(f, "trimmed-mean");
        F = f;
    }

    /// <summary>Number of smallest and of largest values dropped per coordinate.</summary>
    public int F { get; }

    public override string Name => "trimmed-mean";

    public override int MinimumRows { get; }

    public override ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(report);
        if (F > 0)
            return KeptBandWeights.AggregateAsync(rows, this, output, report);
        // Nothing is trimmed: every row is kept at every coordinate, and the counting sweep would only confirm it.
        report.Weights.Fill(1.0 / rows.Rows);
        return rows.CoordinateWiseAsync(this, output);
    }

    public override void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low, Span<float> high,
        AggregationWorkspace workspace)
    {
        if (F > 0)
        {
            AggregateRange(matrix, range, output, low, high, Span<double>.Empty, workspace);
            return;
        }
        RuleArguments.CheckRange(this, matrix, range, output.Length);
        ArgumentNullException.ThrowIfNull(workspace);
        RowMean.Average(matrix, range, output, workspace);
        // The mean keeps every value: a band no finite value falls outside of.
        if (OrderStatistics.CheckBand(range, low, high))
        {
            low.Fill(float.NegativeInfinity);
            high.Fill(float.PositiveInfinity);
        }
    }

    /// <summary>With f &gt; 0 the kernel counts the kept values itself when given room for the counts (none: no counting).</summary>
    public override void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low, Span<float> high,
        Span<double> kept, AggregationWorkspace workspace)
    {
        if (F == 0)
        {
            base.AggregateRange(matrix, range, output, low, high, kept, workspace);
            return;
        }
        RuleArguments.CheckRange(this, matrix, range, output.Length);
        ArgumentNullException.ThrowIfNull(workspace);
        OrderStatistics.AverageOfRanks(matrix, range, F, matrix.Rows - F - 1, output, workspace, low, high, kept);
    }
}
