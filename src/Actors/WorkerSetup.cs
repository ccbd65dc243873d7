using FedActors.Attacks;
using FedActors.Learning;

namespace FedActors.Actors;

/// <summary>What one worker owns: its id, its shard of the training data, the model it differentiates, and, for a
/// Byzantine worker, its attack.</summary>
/// <param name="BatchSize">Mini-batch size, or null for the worker's whole shard (batch gradient descent).</param>
/// <param name="TrainingSeed">Root of the worker's per-round random streams (see <see cref="RandomStreams"/>).</param>
public sealed record WorkerSetup(
    int WorkerId,
    IModel Model,
    Dataset Data,
    int[] Shard,
    int? BatchSize,
    ulong TrainingSeed,
    ILocalAttack? Attack)
{
    public bool IsByzantine => Attack is not null;
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

    public static DeterministicRandom For(ulong trainingSeed, ulong stream, int workerId, int round) =>
        DeterministicRandom.ForStream(trainingSeed, stream, (ulong)workerId, (ulong)round);
}
