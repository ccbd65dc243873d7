using Akka.Actor;
using FedActors.Aggregation;
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
/// <param name="CheckpointEvery">Capture a checkpoint every this many rounds (0: never); the metrics actor writes it.</param>
/// <param name="Rule">The run's rule instance, whose state a checkpoint saves; required when checkpointing.</param>
/// <param name="FirstRound">1, or the round after a checkpoint's when the run resumes.</param>
/// <param name="TapHonestReports">Omniscient adversary: every accepted honest report is copied to the coalition.</param>
/// <param name="RoundRecipients">Who is told each <see cref="RoundStarted"/>: null for every worker (one process); on a
/// cluster, one actor per workers node, which hands the snapshot to its workers, so it crosses the network once per node.</param>
/// <param name="WatchWorkers">A worker actor that terminates is gone for good and no round waits for it (a cluster: its
/// node left). Off in one process, where workers are restarted, never stopped, except when the whole system shuts down.</param>
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
    IActorRef? Evaluator = null,
    int CheckpointEvery = 0,
    IAggregationRule? Rule = null,
    int FirstRound = 1,
    IReadOnlyList<IActorRef>? RoundRecipients = null,
    bool WatchWorkers = false)
{
    public void Validate()
    {
        if (Rounds < 1) throw new ArgumentOutOfRangeException(nameof(Rounds), Rounds, "a run needs at least one round");
        if (Workers.Count == 0) throw new ArgumentException("a run needs at least one worker", nameof(Workers));
        if (Roster.Workers != Workers.Count)
            throw new ArgumentException($"the roster covers {Roster.Workers} workers, the run has {Workers.Count}", nameof(Roster));
        if (CheckpointEvery < 0) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), CheckpointEvery, "cannot be negative");
        if (CheckpointEvery > 0 && Rule is null) throw new ArgumentException("checkpoints need the run's rule", nameof(Rule));
        if (FirstRound < 1 || FirstRound > Rounds)
            throw new ArgumentOutOfRangeException(nameof(FirstRound), FirstRound, $"a run of {Rounds} rounds starts at a round in 1..{Rounds}");
        if (TapHonestReports && Coalition is null)
            throw new ArgumentException("an omniscient tap needs a coalition", nameof(TapHonestReports));
        if (RoundDeadline <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RoundDeadline), RoundDeadline, "the round deadline must be positive");
        if (EvalEvery < 0) throw new ArgumentOutOfRangeException(nameof(EvalEvery), EvalEvery, "eval.every cannot be negative");
    }
}
