using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// Coordinate-wise mean, output_j = (1/n) sum_i x_ij: the non-robust baseline (one Byzantine row moves it anywhere).
/// Sums in double in worker-id order and rounds once to float.
/// </summary>
public sealed class MeanRule : ICoordinateWiseRule
{
    public MeanRule()
    {
    }

    public string Name => "mean";

    public int MinimumRows => 1;

    public ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(report);
        report.Weights.Fill(1.0 / rows.Rows);
        return rows.CoordinateWiseAsync(this, output);
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

    public void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, AggregationWorkspace workspace)
    {
        RuleArguments.CheckRange(this, matrix, range, output.Length);
        ArgumentNullException.ThrowIfNull(workspace);
        RowMean.Average(matrix, range, output, workspace);
    }
}
