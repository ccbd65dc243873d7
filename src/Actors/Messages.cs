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
/// worker-id order) and the output buffer to fill. Both belong to the pool until it answers.
/// </summary>
public sealed record AggregationRequested(int Round, GradientMatrix Matrix, float[] Output);

/// <summary>The pool finished: <see cref="AggregationRequested.Output"/> holds the aggregate; ownership returns to the requester.</summary>
public sealed record AggregateComputed(int Round);

/// <summary>The pool could not aggregate (a shard threw); the run cannot continue meaningfully.</summary>
public sealed record AggregationFailed(int Round, string Reason);

/// <summary>The pool gives one shard its coordinate range of the round's matrix to aggregate into <paramref name="Output"/>.</summary>
public sealed record ShardWorkAssigned(int Round, GradientMatrix Matrix, CoordinateRange Range, float[] Output);

/// <summary>A shard finished its range.</summary>
public sealed record ShardWorkCompleted(int Round, int ShardIndex);

/// <summary>A shard's rule threw on its range.</summary>
public sealed record ShardWorkFailed(int Round, int ShardIndex, string Reason);

/// <summary>Sent by the round deadline timer the coordinator starts when it opens a round.</summary>
public sealed record RoundDeadlinePassed(int Round);

/// <summary>Asks the coordinator to run the experiment; the sender receives <see cref="RunCompleted"/> or <see cref="RunFailed"/>.</summary>
public sealed record RunRequested
{
    public static RunRequested Instance { get; } = new();
}

/// <summary>One row of metrics.csv.</summary>
public sealed record RoundMetrics(
    int Round,
    double TrainLoss,
    double? ParamError,
    double? TestAccuracy,
    int AcceptedReports,
    int RejectedReports,
    int MissingReports,
    bool UpdateSkipped,
    double RoundMilliseconds,
    double AggregateMilliseconds);

/// <summary>A round finished and its metrics are final.</summary>
public sealed record RoundCompleted(RoundMetrics Metrics);

/// <summary>The last round finished; the metrics actor flushes its files and answers <see cref="MetricsFlushed"/>.</summary>
public sealed record RunEnded(int Rounds);

/// <summary>Everything the metrics actor wrote is on disk.</summary>
public sealed record MetricsFlushed(IReadOnlyDictionary<RejectionReason, int> RejectionsByReason);

/// <summary>The run finished all its rounds.</summary>
public sealed record RunCompleted(RoundMetrics LastRound, IReadOnlyDictionary<RejectionReason, int> RejectionsByReason, float[] FinalModel);

/// <summary>The run stopped before its last round.</summary>
public sealed record RunFailed(int Round, string Reason);
