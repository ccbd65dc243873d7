using Akka.Actor;
using Akka.Event;
using FedActors.Actors.Cluster;
using FedActors.Aggregation;

namespace FedActors.Actors;

/// <summary>
/// Computes each round's aggregate with a pool of shard actors, each owning a contiguous, block-aligned range of
/// coordinates. The rule (and its pre-aggregation steps) runs as an async driver; every pass it makes over the matrix
/// is sent to all shards as <see cref="RangeWorkAssigned"/>, and their partial sums are combined in a fixed tree
/// order, so the aggregate is the same bits for any shard count.
/// </summary>
/// <remarks>
/// <para>States: <c>Idle</c> (accepts a request) and <c>Aggregating</c> (routes shard answers to the running pass; a second
/// request is refused). The driver never runs on the actor's thread after its first pass: its continuations run on
/// the thread pool, and its end comes back as a message (PipeTo), so the actor never blocks.</para>
/// <para>Shards live in this process (closures over the round's matrix) unless <see cref="ShardsPlaced"/> moves some
/// to aggregator nodes: those get the round's columns once per round and each pass as data. A remote shard that stops
/// (its node left or was downed) is replaced by this process's shard of the same range, and a round it leaves
/// unfinished is aggregated again from the start, with the rule's state and random stream as they were before it.</para>
/// </remarks>
public sealed class AggregatorPoolActor : ReceiveActor
{
    private sealed record DriverFinished(int Round, int Attempt);

    private sealed record DriverFaulted(int Round, int Attempt, Exception Cause);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly AggregationPipeline _pipeline;
    private readonly int _columns;
    private readonly CoordinateRange[] _ranges;
    private readonly IActorRef[] _localShards;
    private readonly ShardActorExecutor _executor;
    private readonly AggregationReport _report = new();
    private MatrixPasses? _passes;
    private IActorRef _requester = ActorRefs.Nobody;
    private AggregationRequested? _request;
    private byte[]? _ruleState;
    private bool _shardLost;
    private readonly List<(ShardsPlaced Placed, IActorRef From)> _deferredPlacements = [];
    private int _attempt;
    private int _round;

    public AggregatorPoolActor(AggregationPipeline pipeline, int shards, int columns)
    {
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards), shards, "the pool needs at least one shard");
        _pipeline = pipeline;
        _columns = columns;
        _ranges = CoordinatePartition.Split(columns, shards);
        _localShards = new IActorRef[shards];
        for (var i = 0; i < shards; i++)
            _localShards[i] = Context.ActorOf(AggregatorShardActor.Props(i, _ranges[i]), $"shard-{i}");
        _executor = new ShardActorExecutor(_ranges, _localShards.ToArray(), Self);
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
            _request = request;
            _round = request.Round;
            // One passes object per matrix: it keeps the buffers of mixed and selected rows across rounds.
            if (_passes is null || !ReferenceEquals(_passes.Matrix, request.Matrix))
                _passes = new MatrixPasses(request.Matrix, _executor, checkFinite: false);
            // Only a pool with remote shards can lose one mid-round and have to run the round again from the rule's
            // state before it; in process the copy would cost every round for nothing.
            _ruleState = _executor.HasRemote && _pipeline.Rule is IStatefulRule stateful ? SaveState(stateful) : null;
            _shardLost = false;
            StartDriver(request.Context);
            Become(Aggregating);
        });
        Receive<ShardsPlaced>(placed =>
        {
            Place(placed);
            Sender.Tell(ShardsReady.Instance);
        });
        Receive<Terminated>(OnShardTerminated);
        Receive<RangeWorkCompleted>(done => _log.Debug("Pool idle; ignoring shard {0}'s answer to pass {1}", done.ShardIndex, done.Pass));
        Receive<RemoteRangeWorkCompleted>(done => _log.Debug("Pool idle; ignoring shard {0}'s answer to pass {1}", done.ShardIndex, done.Pass));
        Receive<RangeWorkFailed>(failed => _log.Debug("Pool idle; ignoring shard {0}'s failure in pass {1}", failed.ShardIndex, failed.Pass));
    }

    private void Aggregating()
    {
        Receive<RangeWorkCompleted>(_executor.OnCompleted);
        Receive<RemoteRangeWorkCompleted>(_executor.OnRemoteCompleted);
        Receive<RangeWorkFailed>(_executor.OnFailed);
        Receive<Terminated>(OnShardTerminated);
        Receive<DriverFinished>(done => done.Round == _round && done.Attempt == _attempt, _ =>
        {
            // Every pass of this attempt was answered in full, even if a shard was lost after the last one.
            _requester.Tell(new AggregateComputed(_round, _report));
            ToIdle();
        });
        Receive<DriverFaulted>(faulted => faulted.Round == _round && faulted.Attempt == _attempt, faulted =>
        {
            if (_shardLost)
            {
                _log.Warning("Round {0}: aggregating again, now that the lost shards run in this process", _round);
                _shardLost = false;
                if (_ruleState is not null)
                    LoadState((IStatefulRule)_pipeline.Rule, _ruleState);
                var context = _request!.FreshRandom is { } fresh ? _request.Context with { Random = fresh() } : _request.Context;
                StartDriver(context);
                return;
            }
            var cause = faulted.Cause is AggregateException { InnerException: { } inner } ? inner : faulted.Cause;
            _log.Error(cause, "Round {0}: {1} failed", _round, _pipeline.Name);
            _requester.Tell(new AggregationFailed(_round, $"{_pipeline.Name}: {cause.Message}"));
            ToIdle();
        });
        Receive<AggregationRequested>(request =>
            Sender.Tell(new AggregationFailed(request.Round, $"the pool is still aggregating round {_round}")));
        // A shard moves between rounds: the round's rows were sent to the shards it started with.
        Receive<ShardsPlaced>(placed => _deferredPlacements.Add((placed, Sender)));
    }

    private void ToIdle()
    {
        _request = null;
        Become(Idle);
        foreach (var (placed, from) in _deferredPlacements)
        {
            Place(placed);
            from.Tell(ShardsReady.Instance);
        }
        _deferredPlacements.Clear();
    }

    private void Place(ShardsPlaced placed)
    {
        for (var k = 0; k < placed.Shards.Count && k < _ranges.Length; k++)
        {
            if (placed.Shards[k] is not { } remote)
                continue;
            _executor.Place(k, remote, isRemote: true);
            Context.Watch(remote);
            _log.Info("Shard {0} (coordinates {1}..{2}) runs on {3}", k, _ranges[k].Start, _ranges[k].End - 1, remote.Path);
        }
    }

    private void StartDriver(AggregationContext context)
    {
        var round = _round;
        var attempt = ++_attempt;
        _executor.BeginAttempt();
        _executor.LoadRound(_request!.Matrix, round);
        _pipeline.AggregateAsync(_passes!, _request.Output, context, _report).AsTask()
            .PipeTo(Self, success: () => new DriverFinished(round, attempt), failure: cause => new DriverFaulted(round, attempt, cause));
    }

    /// <summary>A remote shard stopped or its node was removed: its range moves back into this process.</summary>
    private void OnShardTerminated(Terminated terminated)
    {
        var shard = _executor.IndexOfRemote(terminated.ActorRef);
        if (shard < 0)
            return;
        // Between rounds (the usual case: aggregator nodes leave when the run ends) nothing is lost.
        var message = $"Shard {shard} on {terminated.ActorRef.Path} is gone; its coordinates {_ranges[shard].Start}..{_ranges[shard].End - 1} "
            + "are aggregated in this process until another aggregator node hosts them";
        if (_request is null)
            _log.Info(message);
        else
            _log.Warning(message);
        _executor.Place(shard, _localShards[shard], isRemote: false);
        if (_request is not null)
        {
            // The shard's columns of a mix made this round lived on the lost node: the round starts over.
            _shardLost = true;
            _executor.FailAttempt(new ShardLostException($"shard {shard} was lost in round {_round}"));
        }
    }

    private static byte[] SaveState(IStatefulRule rule)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
            rule.SaveState(writer);
        return stream.ToArray();
    }

    private static void LoadState(IStatefulRule rule, byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state, writable: false));
        rule.LoadState(reader);
    }

    protected override void PostStop()
    {
        _executor.Cancel();
        base.PostStop();
    }
}

/// <summary>A remote shard stopped during an aggregation; the pool runs the round again.</summary>
internal sealed class ShardLostException(string message) : Exception(message);

/// <summary>
/// Runs the passes of one rule on the shard actors: sends each shard the work (a closure to a shard in this process,
/// the pass as data to a remote one), collects their answers (routed by the pool actor, which receives them), and
/// completes the pass when every non-empty shard has answered. Passes of a rule are sequential, so one pass is
/// pending at a time.
/// </summary>
internal sealed class ShardActorExecutor(CoordinateRange[] ranges, IActorRef[] shards, IActorRef pool) : IRangeExecutor
{
    private sealed class PendingPass(long id, int shardCount, int awaiting, RangePassPlan? plan)
    {
        public long Id { get; } = id;
        public RangePassPlan? Plan { get; } = plan;
        public IReadOnlyList<BlockTree.Node>?[] Results { get; } = new IReadOnlyList<BlockTree.Node>?[shardCount];
        public int Awaiting { get; set; } = awaiting;
        public TaskCompletionSource<IReadOnlyList<BlockTree.Node>?[]> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly object _gate = new();
    private readonly bool[] _remote = new bool[shards.Length];
    private long _nextPass;
    private PendingPass? _pending;
    private Exception? _attemptFailure;
    private int _round;

    public IReadOnlyList<CoordinateRange> Ranges => ranges;

    public bool HasRemote
    {
        get
        {
            lock (_gate)
                return _remote.Any(r => r);
        }
    }

    /// <summary>In process every shard reads the pool's matrices; a remote shard holds its columns on its node.</summary>
    public bool SharesMatrices => !HasRemote;

    public ValueTask<IReadOnlyList<BlockTree.Node>?[]> RunAsync(RangeWork work) => Start(work, null);

    public ValueTask<IReadOnlyList<BlockTree.Node>?[]> RunAsync(RangePassPlan plan) => Start(plan.Work, plan);

    private ValueTask<IReadOnlyList<BlockTree.Node>?[]> Start(RangeWork work, RangePassPlan? plan)
    {
        var busy = ranges.Count(range => range.Length > 0);
        PendingPass pass;
        IActorRef[] targets;
        bool[] remote;
        lock (_gate)
        {
            if (_attemptFailure is not null)
                return ValueTask.FromException<IReadOnlyList<BlockTree.Node>?[]>(_attemptFailure);
            if (_pending is { Completion.Task.IsCompleted: false })
                throw new InvalidOperationException($"pass {_pending.Id} is still running; a rule's passes must run one after another");
            if (plan is null && _remote.Any(r => r))
                throw new InvalidOperationException("a pass given only as a closure cannot run on a remote shard");
            pass = new PendingPass(++_nextPass, shards.Length, busy, plan);
            _pending = pass;
            targets = shards.ToArray();
            remote = _remote.ToArray();
        }
        for (var s = 0; s < targets.Length; s++)
        {
            if (ranges[s].Length == 0)
                continue;
            if (remote[s])
                targets[s].Tell(new Cluster.RemoteRangeWorkAssigned(pass.Id, s, _round, plan!.Describe(ranges[s])), pool);
            else
                targets[s].Tell(new RangeWorkAssigned(pass.Id, work), pool);
        }
        return new ValueTask<IReadOnlyList<BlockTree.Node>?[]>(pass.Completion.Task);
    }

    /// <summary>Sends each remote shard its columns of the round's rows, ahead of the round's first pass.</summary>
    public void LoadRound(GradientMatrix matrix, int round)
    {
        lock (_gate)
        {
            _round = round;
            for (var s = 0; s < shards.Length; s++)
            {
                if (_remote[s] && ranges[s].Length > 0)
                    shards[s].Tell(new Cluster.ShardRowsLoaded(round, s, matrix.Rows, ShardColumns.Slice(matrix, ranges[s])), pool);
            }
        }
    }

    /// <summary>Moves shard <paramref name="index"/> to another actor (called on the pool actor's thread).</summary>
    public void Place(int index, IActorRef actor, bool isRemote)
    {
        lock (_gate)
        {
            shards[index] = actor;
            _remote[index] = isRemote;
        }
    }

    public int IndexOfRemote(IActorRef actor)
    {
        lock (_gate)
        {
            for (var s = 0; s < shards.Length; s++)
            {
                if (_remote[s] && shards[s].Equals(actor))
                    return s;
            }
            return -1;
        }
    }

    public void BeginAttempt()
    {
        lock (_gate)
        {
            _attemptFailure = null;
            _pending?.Completion.TrySetCanceled();
            _pending = null;
        }
    }

    /// <summary>Fails the pending pass and every later pass of this attempt, so the driver ends and the pool can start over.</summary>
    public void FailAttempt(Exception cause)
    {
        lock (_gate)
        {
            _attemptFailure = cause;
            _pending?.Completion.TrySetException(cause);
        }
    }

    /// <summary>Called on the pool actor's thread for each shard answer.</summary>
    public void OnCompleted(RangeWorkCompleted done)
    {
        lock (_gate)
        {
            if (_pending is null || _pending.Id != done.Pass || _remote[done.ShardIndex])
                return;
            _pending.Results[done.ShardIndex] = done.Partials;
            if (--_pending.Awaiting == 0)
                _pending.Completion.TrySetResult(_pending.Results);
        }
    }

    public void OnRemoteCompleted(Cluster.RemoteRangeWorkCompleted done)
    {
        lock (_gate)
        {
            if (_pending is null || _pending.Id != done.Pass || (uint)done.ShardIndex >= (uint)shards.Length || !_remote[done.ShardIndex]
                || _pending.Completion.Task.IsCompleted)
                return;
            try
            {
                _pending.Plan!.Place(ranges[done.ShardIndex], done.Result);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                _pending.Completion.TrySetException(new InvalidOperationException($"shard {done.ShardIndex}: {e.Message}", e));
                return;
            }
            _pending.Results[done.ShardIndex] = done.Result.Nodes;
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

/// <summary>
/// An aggregator shard on another node than the pool: it holds its columns of the round's rows (sent once per round)
/// and of the matrices its mixes make, and runs each pass it is sent as data (<see cref="RangePass"/>).
/// </summary>
public sealed class RemoteShardActor : ReceiveActor
{
    public RemoteShardActor(int index, CoordinateRange range)
    {
        var columns = new ShardColumns(range);
        var log = Context.GetLogger();
        var loadedRound = -1;
        Receive<Cluster.ShardRowsLoaded>(loaded =>
        {
            try
            {
                loadedRound = -1;
                columns.Load(loaded.Rows, loaded.Values);
                loadedRound = loaded.Round;
            }
            catch (ArgumentException e)
            {
                // The passes of the round will fail on the missing rows and say so to the pool.
                log.Error("Shard {0}: round {1}'s rows could not be stored: {2}", index, loaded.Round, e.Message);
            }
        });
        Receive<Cluster.RemoteRangeWorkAssigned>(assigned =>
        {
            if (assigned.Round != loadedRound)
            {
                Sender.Tell(new RangeWorkFailed(assigned.Pass, index,
                    $"shard {index} holds the rows of round {loadedRound}, not of round {assigned.Round} (were they lost on the way?)"));
                return;
            }
            try
            {
                Sender.Tell(new Cluster.RemoteRangeWorkCompleted(assigned.Pass, index, columns.Run(assigned.Work)));
            }
            catch (Exception e)
            {
                // As AggregatorShardActor: the pass must be answered whatever went wrong.
                Sender.Tell(new RangeWorkFailed(assigned.Pass, index, e.Message));
            }
        });
    }

    public static Props Props(int index, CoordinateRange range) => Akka.Actor.Props.Create(() => new RemoteShardActor(index, range));
}
