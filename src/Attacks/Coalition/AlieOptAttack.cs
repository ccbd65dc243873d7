using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// ALIE with z tuned against the run's own rule: every member reports mu - z * sigma (as <see cref="AlieAttack"/>)
/// with the z in [0, maxZ] that maximises ||aggregate(known rows + forged rows) - mu||, found by <see cref="Search"/>
/// (a grid, then golden-section refinement). The paper's z_max(n, f) is always one of the candidates, so the tuned
/// attack moves the simulated aggregate at least as far as plain ALIE. Each evaluation aggregates a simulated round
/// with a fresh pipeline from <see cref="CoalitionKnowledge.PipelineFactory"/>; the known rows stand for the honest
/// population (under knowledge = own they are only the members' own gradients).
/// </summary>
public sealed class AlieOptAttack : ICoalitionAttack
{
    public const double DefaultMaxZ = 10.0;

    public AlieOptAttack(double maxZ = DefaultMaxZ, LineSearch? search = null)
    {
        if (!double.IsFinite(maxZ) || maxZ <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxZ), maxZ, "alie-opt max-z must be a positive finite number");
        MaxZ = maxZ;
        Search = search ?? new LineSearch();
    }

    public string Name => "alie-opt";

    public double MaxZ { get; }

    public LineSearch Search { get; }

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        var factory = knowledge.RequirePipeline(Name);
        var known = new KnownGradients(knowledge.Honest);
        var round = new SimulatedRound(knowledge, output.Rows, factory, random);
        double? paper = null;
        try
        {
            paper = AlieAttack.ZFromCounts(knowledge.TotalWorkers, knowledge.ByzantineCount);
        }
        catch (ArgumentOutOfRangeException)
        {
            // z_max is undefined for a Byzantine majority; the grid alone still searches [0, maxZ].
        }
        var (z, _) = Search.Maximize(z => round.Distance(AlieAttack.Forged(known, z), known.Mean), 0, MaxZ, paper);
        ForgedRows.Fill(output, AlieAttack.Forged(known, z));
    }
}
