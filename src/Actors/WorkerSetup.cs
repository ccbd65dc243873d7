using Akka.Actor;
using FedActors.Attacks;
using FedActors.Learning;

namespace FedActors.Actors;

/// <summary>How a worker behaves in the rounds where the threat model makes it Byzantine.</summary>
public abstract record ByzantineBehaviour
{
    private ByzantineBehaviour() { }

    /// <summary>Forges its report from its own honest gradient.</summary>
    public sealed record Local(ILocalAttack Attack) : ByzantineBehaviour;

    /// <summary>Reports the honest gradient of poisoned data: a poisoned copy of its shard, rows 0..n-1 of <paramref name="Data"/>.</summary>
    public sealed record PoisonedData(Dataset Data) : ByzantineBehaviour;

    /// <summary>Hands its honest gradient to the coalition and reports the vector the coalition forges.</summary>
    public sealed record Colluding(IActorRef Coalition) : ByzantineBehaviour;
}

/// <summary>What one worker owns: its id, its shard of the training data, the model it differentiates, and, for a
/// worker the threat model may corrupt, how it behaves when Byzantine and the roster that says when.</summary>
/// <param name="BatchSize">Mini-batch size, or null for the worker's whole shard (batch gradient descent).</param>
/// <param name="TrainingSeed">Root of the worker's per-round random streams (see <see cref="RandomStreams"/>).</param>
/// <param name="Roster">Which rounds the worker is Byzantine in; null means every round when it has a behaviour.</param>
public sealed record WorkerSetup(
    int WorkerId,
    IModel Model,
    Dataset Data,
    int[] Shard,
    int? BatchSize,
    ulong TrainingSeed,
    ByzantineBehaviour? Byzantine,
    ByzantineRoster? Roster = null)
{
    public bool CanBeByzantine => Byzantine is not null;

    public bool IsByzantineIn(int round) => Byzantine is not null && (Roster?.IsByzantine(WorkerId, round) ?? true);
}

/// <summary>
/// Names of the independent random streams of a run. Each draw is seeded by (training seed, stream, ids...), never by
/// a generator shared across workers, so a result does not depend on which actor ran first.
/// </summary>
public static class RandomStreams
{
    public const ulong MiniBatch = 1;
    public const ulong Attack = 2;
    public const ulong ModelInit = 3;
    public const ulong ByzantineIds = 4;
    public const ulong Aggregation = 5;
    public const ulong Coalition = 6;
    public const ulong Perturbation = 7;

    public static DeterministicRandom For(ulong trainingSeed, ulong stream, int workerId, int round) =>
        DeterministicRandom.ForStream(trainingSeed, stream, (ulong)workerId, (ulong)round);
}
