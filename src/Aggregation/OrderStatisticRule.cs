using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// The shape shared by the coordinate-wise rules that keep a band of order statistics per coordinate (median, trimmed
/// mean, mean around median): one pass computes the output and counts, per row, the coordinates at which the row's
/// value was kept (<see cref="KeptBandWeights"/>); the plain range entry point is the band one without a band.
/// </summary>
public abstract class OrderStatisticRule : IKeptBandRule
{
    public abstract string Name { get; }

    public abstract int MinimumRows { get; }

    public virtual ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(report);
        return KeptBandWeights.AggregateAsync(rows, this, output, report);
    }

    /// <summary>
    /// Aggregates every column of the matrix directly, in the calling thread, after the NaN and infinity scan that
    /// <see cref="MatrixPasses"/> makes (a clear error instead of an order statistic of garbage).
    /// </summary>
    public void Aggregate(GradientMatrix matrix, Span<float> output, AggregationWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        FiniteCheck.Matrix(matrix);
        AggregateRange(matrix, new CoordinateRange(0, matrix.Columns), output, workspace);
    }

    public void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, AggregationWorkspace workspace) =>
        AggregateRange(matrix, range, output, default, default, workspace);

    public abstract void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low,
        Span<float> high, AggregationWorkspace workspace);

    /// <summary>The band, then a counting sweep over the range (<see cref="KeptCounts"/>); the radix kernel's rules count inside it.</summary>
    public virtual void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low,
        Span<float> high, Span<double> kept, AggregationWorkspace workspace)
    {
        AggregateRange(matrix, range, output, low, high, workspace);
        KeptCounts.Count(matrix, range, low, high, kept);
    }
}
