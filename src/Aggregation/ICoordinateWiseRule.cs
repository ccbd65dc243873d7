namespace FedActors.Aggregation;

/// <summary>
/// A rule whose output coordinate j depends only on column j: the aggregator pool runs it independently per range.
/// Implementations guarantee that coordinate j's value is bit-identical whatever range it is computed in.
/// </summary>
public interface ICoordinateWiseRule : IAggregationRule
{
    /// <summary>
    /// Writes output[k] = rule(column range.Start + k) for k &lt; range.Length; output.Length == range.Length. The kernel
    /// entry point each shard calls: it does not scan for NaN or infinity, which its callers have rejected once for the
    /// whole matrix (<see cref="MatrixPasses"/>, the rules' whole-matrix Aggregate).
    /// </summary>
    void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, AggregationWorkspace workspace);
}
