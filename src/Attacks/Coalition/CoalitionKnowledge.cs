using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// What a coalition knows in one round.
/// </summary>
/// <remarks>
/// <para><see cref="Honest"/> holds the honest gradients the coalition has seen, rows in worker-id order: under the
/// threat model <c>knowledge = own</c> these are the members' own honest gradients, under <c>omniscient</c> every honest
/// worker's. Attacks treat them as the honest population (their mean, spread, extremes).</para>
/// <para>The attacks that simulate the round (<c>alie-opt</c>, <c>ipm-opt</c>, <c>saddle</c>) aggregate the known rows
/// together with the forged ones through <see cref="PipelineFactory"/>, which must return a new pipeline of the run's
/// configuration on every call: rules can be stateful, and the run's own instance must never see a simulated round.
/// A fresh stateful rule sees the simulated round as its first one.</para>
/// </remarks>
public sealed class CoalitionKnowledge
{
    /// <param name="honest">The known honest gradients (at least one row; every value finite).</param>
    /// <param name="totalWorkers">n, every worker of the round, honest and Byzantine.</param>
    /// <param name="byzantineCount">f, the Byzantine workers of the round (the coalition's size).</param>
    public CoalitionKnowledge(GradientMatrix honest, int totalWorkers, int byzantineCount)
    {
        ArgumentNullException.ThrowIfNull(honest);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalWorkers);
        if (byzantineCount < 0 || byzantineCount > totalWorkers)
            throw new ArgumentOutOfRangeException(nameof(byzantineCount), byzantineCount, $"f must be in [0, n = {totalWorkers}]");
        Honest = honest;
        TotalWorkers = totalWorkers;
        ByzantineCount = byzantineCount;
    }

    public GradientMatrix Honest { get; }

    /// <summary>n.</summary>
    public int TotalWorkers { get; }

    /// <summary>f.</summary>
    public int ByzantineCount { get; }

    /// <summary>Creates a fresh aggregation pipeline of the run (never the run's own instance); null if not given.</summary>
    public Func<AggregationPipeline>? PipelineFactory { get; init; }

    /// <summary>
    /// Worker id of each row of <see cref="Honest"/> and of each member, for simulated rounds (rows are placed in
    /// worker-id order, as the coordinator places them). Null: the known rows take ids 0..k-1 and the members k.. after.
    /// </summary>
    public int[]? HonestWorkerIds { get; init; }

    /// <inheritdoc cref="HonestWorkerIds"/>
    public int[]? MemberWorkerIds { get; init; }

    /// <summary>The round (1-based) and the model the gradients were computed at, passed to simulated aggregations.</summary>
    public int Round { get; init; } = 1;

    /// <inheritdoc cref="Round"/>
    public float[]? Model { get; init; }

    internal void CheckOutput(GradientMatrix output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Columns != Honest.Columns)
            throw new ArgumentException($"output has {output.Columns} coordinates but the known gradients have {Honest.Columns}", nameof(output));
        if (output.Rows == 0)
            throw new ArgumentException("output has no member row to write", nameof(output));
        if (Honest.Rows == 0)
            throw new ArgumentException("the coalition knows no honest gradient this round", nameof(output));
    }

    internal Func<AggregationPipeline> RequirePipeline(string attack) =>
        PipelineFactory ?? throw new ArgumentException(
            $"{attack} optimises against the run's aggregation pipeline and needs CoalitionKnowledge.PipelineFactory", "knowledge");
}
