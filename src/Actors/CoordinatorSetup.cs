using Akka.Actor;
using FedActors.Attacks;

namespace FedActors.Actors;

/// <summary>Everything the coordinator needs to drive a run; the host builds it from the validated config.</summary>
/// <param name="Workers">One actor per worker id, index = id. The coordinator accepts a worker's report only from this actor.</param>
/// <param name="Roster">Ground truth of who is Byzantine in which round; used for metrics (and the omniscient tap) only,
/// never for aggregation.</param>
/// <param name="MinimumRows">The fewest accepted reports the rule (after its pre-aggregation steps) can aggregate; a round with fewer applies no update.</param>
/// <param name="EvalEvery">test_accuracy is measured every this many rounds and at the last round; 0 turns it off.</param>
/// <param name="TrainingSeed">Root of the rule's per-round random stream (bucketing's shuffle, BGMD's sampling).</param>
/// <param name="Coalition">The collusion channel, told when each round opens; null when no attack colludes.</param>
/// <param name="Evaluator">Measures test accuracy off the critical path; null evaluates in the coordinator, between rounds.</param>
/// <param name="TapHonestReports">Omniscient adversary: every accepted honest report is copied to the coalition.</param>
public sealed record CoordinatorSetup(
    int Rounds,
    IReadOnlyList<IActorRef> Workers,
    ByzantineRoster Roster,
    ModelServer Server,
    IActorRef AggregatorPool,
    IActorRef Metrics,
    int MinimumRows,
    TimeSpan RoundDeadline,
    int EvalEvery,
    ulong TrainingSeed,
    IActorRef? Coalition = null,
    bool TapHonestReports = false,
    IActorRef? Evaluator = null)
{
    public void Validate()
    {
        if (Rounds < 1) throw new ArgumentOutOfRangeException(nameof(Rounds), Rounds, "a run needs at least one round");
        if (Workers.Count == 0) throw new ArgumentException("a run needs at least one worker", nameof(Workers));
        if (Roster.Workers != Workers.Count)
            throw new ArgumentException($"the roster covers {Roster.Workers} workers, the run has {Workers.Count}", nameof(Roster));
        if (TapHonestReports && Coalition is null)
            throw new ArgumentException("an omniscient tap needs a coalition", nameof(TapHonestReports));
        if (RoundDeadline <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RoundDeadline), RoundDeadline, "the round deadline must be positive");
        if (EvalEvery < 0) throw new ArgumentOutOfRangeException(nameof(EvalEvery), EvalEvery, "eval.every cannot be negative");
    }
}
