using FedActors.Aggregation;

namespace FedActors.Actors;

// The round protocol, in one place. Messages are named by what happened, never by what the receiver should do.
// Arrays inside messages are handed over, not shared for writing: the sender never writes to an array after
// sending it, except where a comment says when ownership comes back.

/// <summary>The coordinator opened round <paramref name="Round"/> (1-based) at these model parameters.</summary>
/// <remarks>The snapshot is a fresh array per round shared by reference by every worker in the process; nobody writes to it.</remarks>
public sealed record RoundStarted(int Round, float[] Model);

/// <summary>
/// A worker's report for a round. <paramref name="BatchLoss"/> is the loss of the worker's honest mini-batch at the
/// round's model: a simulation measurement for the train_loss metric, not part of what a Byzantine worker controls.
/// </summary>
/// <remarks>The gradient buffer belongs to the worker again once the next <see cref="RoundStarted"/> reaches it.</remarks>
public sealed record GradientReady(int Round, int WorkerId, float[] Gradient, double BatchLoss);

/// <summary>Why the coordinator refused a report. Every refusal is logged and counted; none ends the round.</summary>
public enum RejectionReason
{
    /// <summary>The report names a round other than the open one (an old round's report, or a round not yet started).</summary>
    StaleRound,
    /// <summary>The report is for the current round but arrived after collection closed (deadline passed).</summary>
    Late,
    /// <summary>The sender is not the actor registered for the worker id it claims, or the id is out of range.</summary>
    UnknownSender,
    /// <summary>The worker's slot for this round is already filled.</summary>
    Duplicate,
    /// <summary>The gradient does not have one value per model parameter.</summary>
    WrongLength,
    /// <summary>The gradient holds NaN or an infinity.</summary>
    NonFinite,
}

/// <summary>A report was refused; published to the metrics actor so totals by reason reach summary.json.</summary>
public sealed record ReportRejected(int Round, int WorkerId, RejectionReason Reason, string Detail);

/// <summary>
/// The coordinator closed collection for a round and hands the aggregator pool the matrix (rows = accepted reports in
/// worker-id order), what the rule may know about the round, and the output buffer to fill. Matrix and output belong
/// to the pool until it answers.
/// </summary>
/// <param name="FreshRandom">A new generator equal to the context's unused one: a pool that must run the round's
/// aggregation again (a remote shard was lost mid-round) needs the rule's random stream from its start.</param>
public sealed record AggregationRequested(int Round, GradientMatrix Matrix, AggregationContext Context, float[] Output,
    Func<Random>? FreshRandom = null);

/// <summary>
/// The pool finished: <see cref="AggregationRequested.Output"/> holds the aggregate and <paramref name="Report"/> how much
/// each row counted. Output and report belong to the requester until its next request.
/// </summary>
public sealed record AggregateComputed(int Round, AggregationReport Report);

/// <summary>The pool could not aggregate (a rule or a shard threw); the run cannot continue meaningfully.</summary>
public sealed record AggregationFailed(int Round, string Reason);

/// <summary>
/// One pass of a rule, for one shard to run on its coordinate range (see <see cref="RangeWork"/>). In process the work
/// is a closure over the round's matrix; a shard on another node gets the pass as data instead
/// (<see cref="Cluster.RemoteRangeWorkAssigned"/>).
/// </summary>
public sealed record RangeWorkAssigned(long Pass, RangeWork Work);

/// <summary>A shard finished its part of a pass; <paramref name="Partials"/> are its block-tree nodes, if the pass sums.</summary>
public sealed record RangeWorkCompleted(long Pass, int ShardIndex, IReadOnlyList<BlockTree.Node>? Partials);

/// <summary>A shard's part of a pass threw.</summary>
public sealed record RangeWorkFailed(long Pass, int ShardIndex, string Reason);

/// <summary>Sent by the round deadline timer the coordinator starts when it opens a round.</summary>
public sealed record RoundDeadlinePassed(int Round);

// The collusion channel. Byzantine workers never address each other; all they share goes through the coalition.

/// <summary>A worker that the threat model may corrupt tells the coalition where to answer it.</summary>
public sealed record CoalitionMemberJoined(int WorkerId);

/// <summary>A member, Byzantine this round, hands the coalition the honest gradient it computed on its own data.</summary>
/// <remarks>The array is a copy the coalition may keep.</remarks>
public sealed record CoalitionInput(int Round, int WorkerId, float[] Gradient);

/// <summary>The coordinator's copy of an accepted honest report, sent to an omniscient coalition.</summary>
public sealed record HonestGradientTapped(int Round, int WorkerId, float[] Gradient);

/// <summary>The coalition's vector for one member to report as its own this round.</summary>
public sealed record ForgedGradient(int Round, int WorkerId, float[] Gradient);

/// <summary>Sent by the coalition's own timer: forge with what has arrived, so a dead or slow member blocks nobody.</summary>
public sealed record CoalitionDeadlinePassed(int Round);

/// <summary>Asks the coordinator to run the experiment; the sender receives <see cref="RunCompleted"/> or <see cref="RunFailed"/>.</summary>
public sealed record RunRequested
{
    public static RunRequested Instance { get; } = new();
}

/// <summary>One row of metrics.csv.</summary>
/// <param name="MissingReports">Workers not heard from by the time collection closed (a rejected report is not missing).</param>
/// <param name="ByzantineReports">Accepted reports that came from Byzantine workers (the simulator knows the truth).</param>
/// <param name="TestAccuracyPending">The round's parameters went to the evaluator; <see cref="EvaluationCompleted"/> fills
/// in test_accuracy before the row is written.</param>
/// <param name="ByzantineKept">How many of those the rule gave a positive weight; null when the rule does not measure row weights.</param>
public sealed record RoundMetrics(
    int Round,
    double TrainLoss,
    double? ParamError,
    double? TestAccuracy,
    int AcceptedReports,
    int RejectedReports,
    int MissingReports,
    int ByzantineReports,
    int? ByzantineKept,
    bool UpdateSkipped,
    double RoundMilliseconds,
    double AggregateMilliseconds,
    bool TestAccuracyPending = false);

/// <summary>A round finished and its metrics are final.</summary>
public sealed record RoundCompleted(RoundMetrics Metrics);

/// <summary>The last round finished; the metrics actor flushes its files and answers <see cref="MetricsFlushed"/>.</summary>
public sealed record RunEnded(int Rounds);

/// <summary>Everything the metrics actor wrote is on disk; <paramref name="LastRound"/> is the last row as written.</summary>
public sealed record MetricsFlushed(IReadOnlyDictionary<RejectionReason, int> RejectionsByReason, RoundMetrics? LastRound = null);

/// <summary>Measure test accuracy at a round's parameters (a copy nobody writes) off the round's critical path.</summary>
public sealed record EvaluationRequested(int Round, float[] Parameters);

/// <summary>The test accuracy of a round's parameters, for its metrics row.</summary>
public sealed record EvaluationCompleted(int Round, double? TestAccuracy);

/// <summary>The run finished all its rounds.</summary>
public sealed record RunCompleted(RoundMetrics LastRound, IReadOnlyDictionary<RejectionReason, int> RejectionsByReason, float[] FinalModel);

/// <summary>The run stopped before its last round.</summary>
public sealed record RunFailed(int Round, string Reason);
