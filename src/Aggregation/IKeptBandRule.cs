namespace FedActors.Aggregation;

/// <summary>
/// A coordinate-wise order-statistic rule whose output at coordinate j is built from the column's values in a band
/// [low_j, high_j]: the smallest and the largest value it kept (median: the middle one or two order statistics;
/// trimmed mean: ranks f .. n-f-1; meamed: the n - f values closest to the median). The band lets
/// <see cref="IMatrixPasses.CoordinateWiseAsync(IKeptBandRule, float[], double[])"/> count, per row, the
/// coordinates at which the row's value was kept.
/// </summary>
public interface IKeptBandRule : ICoordinateWiseRule
{
    /// <summary>
    /// As <see cref="ICoordinateWiseRule.AggregateRange"/>, and also writes low[k] and high[k], the smallest and the
    /// largest value the rule kept at column range.Start + k; low, high and output have length range.Length.
    /// </summary>
    void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low, Span<float> high,
        AggregationWorkspace workspace);

    /// <summary>
    /// As the band overload, and also writes kept[i], the number of the range's coordinates at which row i's value lies
    /// in the band (low &lt;= x &lt;= high). A rule whose kernel sees each column's values anyway counts them there,
    /// while they are in the first-level cache, instead of in a second sweep over the range.
    /// </summary>
    void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low, Span<float> high,
        Span<double> kept, AggregationWorkspace workspace);
}
