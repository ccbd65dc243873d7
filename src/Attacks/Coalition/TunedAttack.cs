using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// A one-parameter colluding attack tuned against the run's own rule: every member reports
/// <see cref="Forged"/>(known, t) with the t in [0, max] that maximises ||aggregate(known rows + forged rows) - mu||,
/// found by <see cref="Search"/> (a grid, then golden-section refinement) over simulated rounds, each aggregated by a
/// fresh pipeline from <see cref="CoalitionKnowledge.PipelineFactory"/>. The fixed attack's parameter is always a
/// candidate, so the tuned attack moves the simulated aggregate at least as far as the fixed one.
/// </summary>
public abstract class TunedAttack : ICoalitionAttack
{
    /// <param name="parameterName">The constructor parameter of the derived attack, reported as the offending argument
    /// (the config maps it to its key: maxZ to max-z).</param>
    private protected TunedAttack(double max, LineSearch? search, string maxKey, string parameterName)
    {
        if (!double.IsFinite(max) || max <= 0)
            throw new ArgumentOutOfRangeException(parameterName, max, $"{maxKey} must be a positive finite number");
        Max = max;
        Search = search ?? new LineSearch();
    }

    public abstract string Name { get; }

    /// <summary>The upper end of the searched interval.</summary>
    public double Max { get; }

    public LineSearch Search { get; }

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        var factory = knowledge.RequirePipeline(Name);
        var known = new KnownGradients(knowledge.Honest);
        var round = new SimulatedRound(knowledge, output.Rows, factory, random);
        var (best, _) = Search.Maximize(t => round.Distance(Forged(known, t), known.Mean), 0, Max, FixedParameter(knowledge));
        ForgedRows.Fill(output, Forged(known, best));
    }

    private protected abstract double[] Forged(KnownGradients known, double parameter);

    /// <summary>The fixed attack's parameter for this round, or null when it has none.</summary>
    private protected abstract double? FixedParameter(CoalitionKnowledge knowledge);
}

/// <summary>ALIE (mu - z sigma, <see cref="AlieAttack"/>) with z tuned in [0, maxZ]; the paper's z_max(n, f) is a candidate.</summary>
public sealed class AlieOptAttack(double maxZ = AlieOptAttack.DefaultMaxZ, LineSearch? search = null)
    : TunedAttack(maxZ, search, "alie-opt max-z", nameof(maxZ))
{
    public const double DefaultMaxZ = 10.0;

    public override string Name => "alie-opt";

    public double MaxZ => Max;

    private protected override double[] Forged(KnownGradients known, double z) => AlieAttack.Forged(known, z);

    private protected override double? FixedParameter(CoalitionKnowledge knowledge)
    {
        try
        {
            return AlieAttack.ZFromCounts(knowledge.TotalWorkers, knowledge.ByzantineCount);
        }
        catch (ArgumentOutOfRangeException)
        {
            // z_max is undefined for a Byzantine majority; the grid alone still searches [0, maxZ].
            return null;
        }
    }
}

/// <summary>IPM (-epsilon mu, <see cref="IpmAttack"/>) with epsilon tuned in [0, maxEpsilon]; the default 0.1 is a candidate.</summary>
public sealed class IpmOptAttack(double maxEpsilon = IpmOptAttack.DefaultMaxEpsilon, LineSearch? search = null)
    : TunedAttack(maxEpsilon, search, "ipm-opt max-epsilon", nameof(maxEpsilon))
{
    public const double DefaultMaxEpsilon = 10.0;

    public override string Name => "ipm-opt";

    public double MaxEpsilon => Max;

    private protected override double[] Forged(KnownGradients known, double epsilon) => IpmAttack.Forged(known, epsilon);

    private protected override double? FixedParameter(CoalitionKnowledge knowledge) => Math.Min(IpmAttack.DefaultEpsilon, Max);
}
