using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// IPM with epsilon tuned against the run's own rule: every member reports -epsilon * mu (as <see cref="IpmAttack"/>)
/// with the epsilon in [0, maxEpsilon] that maximises ||aggregate(known rows + forged rows) - mu||, found by
/// <see cref="Search"/>. The fixed attack's default epsilon (0.1) is always a candidate, so the tuned attack moves the
/// simulated aggregate at least as far. Simulation as in <see cref="AlieOptAttack"/>.
/// </summary>
public sealed class IpmOptAttack : ICoalitionAttack
{
    public const double DefaultMaxEpsilon = 10.0;

    public IpmOptAttack(double maxEpsilon = DefaultMaxEpsilon, LineSearch? search = null)
    {
        if (!double.IsFinite(maxEpsilon) || maxEpsilon <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxEpsilon), maxEpsilon, "ipm-opt max-epsilon must be a positive finite number");
        MaxEpsilon = maxEpsilon;
        Search = search ?? new LineSearch();
    }

    public string Name => "ipm-opt";

    public double MaxEpsilon { get; }

    public LineSearch Search { get; }

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        var factory = knowledge.RequirePipeline(Name);
        var known = new KnownGradients(knowledge.Honest);
        var round = new SimulatedRound(knowledge, output.Rows, factory, random);
        var (epsilon, _) = Search.Maximize(e => round.Distance(IpmAttack.Forged(known, e), known.Mean), 0, MaxEpsilon,
            Math.Min(IpmAttack.DefaultEpsilon, MaxEpsilon));
        ForgedRows.Fill(output, IpmAttack.Forged(known, epsilon));
    }
}
