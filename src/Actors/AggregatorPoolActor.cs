using Akka.Actor;
using Akka.Event;
using FedActors.Aggregation;

namespace FedActors.Actors;

/// <summary>
/// Computes each round's aggregate with a pool of shard actors, each owning a contiguous, block-aligned range of
/// coordinates. The rule (and its pre-aggregation steps) runs as an async driver; every pass it makes over the matrix
/// is sent to all shards as <see cref="RangeWorkAssigned"/>, and their partial sums are combined in a fixed tree
/// order, so the aggregate is the same bits for any shard count.
/// </summary>
/// <remarks>
/// States: <c>Idle</c> (accepts a request) and <c>Aggregating</c> (routes shard answers to the running pass; a second
/// request is refused). The driver never runs on the actor's thread after its first pass: its continuations run on
/// the thread pool, and its end comes back as a message (PipeTo), so the actor never blocks.
/// </remarks>
public sealed class AggregatorPoolActor : ReceiveActor
{
    private sealed record DriverFinished(int Round);

    private sealed record DriverFaulted(int Round, Exception Cause);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly AggregationPipeline _pipeline;
    private readonly int _columns;
    private readonly ShardActorExecutor _executor;
    private readonly AggregationReport _report = new();
    private MatrixPasses? _passes;
    private IActorRef _requester = ActorRefs.Nobody;
    private int _round;

    public AggregatorPoolActor(AggregationPipeline pipeline, int shards, int columns)
    {
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards), shards, "the pool needs at least one shard");
        _pipeline = pipeline;
        _columns = columns;
        var ranges = CoordinatePartition.Split(columns, shards);
        var shardActors = new IActorRef[shards];
        for (var i = 0; i < shards; i++)
            shardActors[i] = Context.ActorOf(AggregatorShardActor.Props(i, ranges[i]), $"shard-{i}");
        _executor = new ShardActorExecutor(ranges, shardActors, Self);
        Idle();
    }

    public static Props Props(AggregationPipeline pipeline, int shards, int columns) =>
        Akka.Actor.Props.Create(() => new AggregatorPoolActor(pipeline, shards, columns));

    private void Idle()
    {
        Receive<AggregationRequested>(request =>
        {
            if (request.Matrix.Columns != _columns || request.Output.Length != _columns)
            {
                Sender.Tell(new AggregationFailed(request.Round,
                    $"matrix has {request.Matrix.Columns} columns, output {request.Output.Length}, pool was built for {_columns}"));
                return;
            }
            _requester = Sender;
            _round = request.Round;
            // One passes object per matrix: it keeps the buffers of mixed and selected rows across rounds.
            if (_passes is null || !ReferenceEquals(_passes.Matrix, request.Matrix))
                _passes = new MatrixPasses(request.Matrix, _executor, checkFinite: false);
            var round = request.Round;
            _pipeline.AggregateAsync(_passes, request.Output, request.Context, _report).AsTask()
                .PipeTo(Self, success: () => new DriverFinished(round), failure: cause => new DriverFaulted(round, cause));
            Become(Aggregating);
        });
        Receive<RangeWorkCompleted>(done => _log.Debug("Pool idle; ignoring shard {0}'s answer to pass {1}", done.ShardIndex, done.Pass));
        Receive<RangeWorkFailed>(failed => _log.Debug("Pool idle; ignoring shard {0}'s failure in pass {1}", failed.ShardIndex, failed.Pass));
    }

    private void Aggregating()
    {
        Receive<RangeWorkCompleted>(_executor.OnCompleted);
        Receive<RangeWorkFailed>(_executor.OnFailed);
        Receive<DriverFinished>(done => done.Round == _round, _ =>
        {
            _requester.Tell(new AggregateComputed(_round, _report));
            Become(Idle);
        });
        Receive<DriverFaulted>(faulted => faulted.Round == _round, faulted =>
        {
            var cause = faulted.Cause is AggregateException { InnerException: { } inner } ? inner : faulted.Cause;
            _log.Error(cause, "Round {0}: {1} failed", _round, _pipeline.Name);
            _requester.Tell(new AggregationFailed(_round, $"{_pipeline.Name}: {cause.Message}"));
            Become(Idle);
        });
        Receive<AggregationRequested>(request =>
            Sender.Tell(new AggregationFailed(request.Round, $"the pool is still aggregating round {_round}")));
    }

    protected override void PostStop()
    {
        _executor.Cancel();
        base.PostStop();
    }
}

/// <summary>
/// Runs the passes of one rule on the shard actors: sends each shard the work, collects their answers (routed by the
/// pool actor, which receives them), and completes the pass when every non-empty shard has answered. Passes of a rule
/// are sequential, so one pass is pending at a time.
/// </summary>
internal sealed class ShardActorExecutor(CoordinateRange[] ranges, IActorRef[] shards, IActorRef pool) : IRangeExecutor
{
    private sealed class PendingPass(long id, int shardCount, int awaiting)
    {
        public long Id { get; } = id;
        public IReadOnlyList<BlockTree.Node>?[] Results { get; } = new IReadOnlyList<BlockTree.Node>?[shardCount];
        public int Awaiting { get; set; } = awaiting;
        public TaskCompletionSource<IReadOnlyList<BlockTree.Node>?[]> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly object _gate = new();
    private long _nextPass;
    private PendingPass? _pending;

    public IReadOnlyList<CoordinateRange> Ranges => ranges;

    public ValueTask<IReadOnlyList<BlockTree.Node>?[]> RunAsync(RangeWork work)
    {
        var busy = ranges.Count(range => range.Length > 0);
        PendingPass pass;
        lock (_gate)
        {
            if (_pending is { Completion.Task.IsCompleted: false })
                throw new InvalidOperationException($"pass {_pending.Id} is still running; a rule's passes must run one after another");
            pass = new PendingPass(++_nextPass, shards.Length, busy);
            _pending = pass;
        }
        for (var s = 0; s < shards.Length; s++)
        {
            if (ranges[s].Length > 0)
                shards[s].Tell(new RangeWorkAssigned(pass.Id, work), pool);
        }
        return new ValueTask<IReadOnlyList<BlockTree.Node>?[]>(pass.Completion.Task);
    }

    /// <summary>Called on the pool actor's thread for each shard answer.</summary>
    public void OnCompleted(RangeWorkCompleted done)
    {
        lock (_gate)
        {
            if (_pending is null || _pending.Id != done.Pass)
                return;
            _pending.Results[done.ShardIndex] = done.Partials;
            if (--_pending.Awaiting == 0)
                _pending.Completion.TrySetResult(_pending.Results);
        }
    }

    public void OnFailed(RangeWorkFailed failed)
    {
        lock (_gate)
        {
            if (_pending is null || _pending.Id != failed.Pass)
                return;
            _pending.Completion.TrySetException(new InvalidOperationException($"shard {failed.ShardIndex}: {failed.Reason}"));
        }
    }

    /// <summary>Fails a pass left pending when the pool stops, so its driver task ends instead of waiting forever.</summary>
    public void Cancel()
    {
        lock (_gate)
            _pending?.Completion.TrySetCanceled();
    }
}

/// <summary>Runs passes on one coordinate range with its own workspace, so shards never share scratch memory.</summary>
public sealed class AggregatorShardActor : ReceiveActor
{
    public AggregatorShardActor(int index, CoordinateRange range)
    {
        var workspace = new AggregationWorkspace();
        Receive<RangeWorkAssigned>(assigned =>
        {
            try
            {
                Sender.Tell(new RangeWorkCompleted(assigned.Pass, index, assigned.Work(range, workspace)));
            }
            catch (Exception e)
            {
                // Reported, not thrown: the pass must be answered whatever went wrong, and a supervisor restart
                // would neither tell the pool nor fix the input.
                Sender.Tell(new RangeWorkFailed(assigned.Pass, index, e.Message));
            }
        });
    }

    public static Props Props(int index, CoordinateRange range) =>
        Akka.Actor.Props.Create(() => new AggregatorShardActor(index, range));
}
