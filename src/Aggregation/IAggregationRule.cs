namespace FedActors.Aggregation;

/// <summary>
/// A robust aggregation rule: maps the n rows of a <see cref="GradientMatrix"/> (some of them possibly Byzantine)
/// to one d-vector. Implementations are stateless between calls, so one instance may serve concurrent callers that
/// each bring their own <see cref="AggregationWorkspace"/>.
/// </summary>
public interface IAggregationRule
{
    /// <summary>Config name: "mean", "median", "trimmed-mean".</summary>
    string Name { get; }

    /// <summary>Smallest number of rows the rule can aggregate (e.g. 2f+1 for trimmed mean and median with f).</summary>
    int MinimumRows { get; }

    /// <summary>Aggregates rows [0, matrix.Rows) into output (length matrix.Columns).</summary>
    void Aggregate(GradientMatrix matrix, Span<float> output, AggregationWorkspace workspace);
}
