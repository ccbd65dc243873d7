namespace FedActors.Aggregation;

/// <summary>
/// What a rule may know about the round besides the rows: which worker each row came from, the model the gradients
/// were computed at, and a random stream of its own. Coordinate-wise and distance-based rules ignore it; stateful
/// rules (ByzantineSGD's per-worker accumulators, centered clipping's carried centre, BGMD's memory) need it.
/// </summary>
/// <param name="Round">1-based round number; rounds reach a stateful rule in increasing order.</param>
/// <param name="TotalWorkers">m, the number of workers in the run, including those whose report is missing this round.</param>
/// <param name="RowWorkerIds">Worker id of each matrix row, ascending (rows are in worker-id order).</param>
/// <param name="Model">Parameters the gradients were computed at, when the caller has them (ByzantineSGD needs them).</param>
/// <param name="Random">The rule's random stream for this round (bucketing's shuffle, BGMD's sampling).</param>
public sealed record AggregationContext(int Round, int TotalWorkers, int[] RowWorkerIds, float[]? Model, Random Random)
{
    /// <summary>A context for a one-off call on a matrix with no history: round 1, row i is worker i.</summary>
    public static AggregationContext ForRows(int rows, int seed = 0) =>
        new(1, rows, Enumerable.Range(0, rows).ToArray(), null, new Random(seed));

    /// <summary>
    /// <see cref="ForRows"/> with a model of <paramref name="columns"/> zeros, so that every rule, ByzantineSGD
    /// included, can be called once on a bare matrix. Such a call is the first round of the rule's history, and a first
    /// round only stores the model as the start (ByzantineSGD's x_1; its A_i grow by &lt;g_i, x_t - x_1&gt; = 0), so the
    /// zeros do not enter the result.
    /// </summary>
    public static AggregationContext ForMatrix(int rows, int columns, int seed = 0) =>
        ForRows(rows, seed) with { Model = new float[columns] };
}
