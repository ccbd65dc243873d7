using Akka.Actor;
using Akka.Event;
using Akka.Cluster;
using ClusterEvent = Akka.Cluster.ClusterEvent;

namespace FedActors.Actors.Cluster;

/// <param name="Workers">Worker ids 0 .. Workers - 1 are spread over the workers nodes.</param>
/// <param name="MinMembers">Cluster members (this node included) that must be Up before ids are assigned.</param>
/// <param name="StartTimeout">From the run request until every block has started; past it the run fails.</param>
/// <param name="FinishTimeout">How long the end of the run waits for the workers nodes to acknowledge it.</param>
/// <param name="Fingerprint">Hash of the resolved experiment; a workers node that loaded another one refuses its block.</param>
/// <param name="Coordinator">Builds the coordinator's setup from the workers (index = id) and the actors that receive
/// each round's snapshot (one per workers node).</param>
/// <param name="Pool">The aggregator pool on this node, told where its shards run (<see cref="ShardsPlaced"/>) when
/// members with the aggregator role host some; null: every shard stays in this process.</param>
/// <param name="ShardRanges">The pool's shard ranges, in shard order.</param>
public sealed record ClusterRunSetup(
    int Workers,
    int MinMembers,
    TimeSpan StartTimeout,
    TimeSpan FinishTimeout,
    string Fingerprint,
    IActorRef Relay,
    IActorRef? Coalition,
    Func<IReadOnlyList<IActorRef>, IReadOnlyList<IActorRef>, CoordinatorSetup> Coordinator,
    IActorRef? Pool = null,
    IReadOnlyList<Aggregation.CoordinateRange>? ShardRanges = null);

/// <summary>
/// The coordinator node's end of a cluster run. <c>Waiting</c> until <see cref="ClusterRunSetup.MinMembers"/> members
/// are Up and the host asked for the run; then <c>Starting</c>: splits the worker ids over the Up workers nodes
/// (<see cref="WorkerAssignment"/>) and collects every worker's <see cref="WorkerStarted"/>; then <c>Running</c> a
/// <see cref="CoordinatorActor"/> whose workers are those senders; then <c>Finishing</c> while the nodes acknowledge
/// <see cref="RunFinished"/>. The requester gets the coordinator's <see cref="RunCompleted"/> or <see cref="RunFailed"/>.
/// </summary>
/// <remarks>
/// Supervision: the coordinator is stopped, not restarted, if it throws: a restarted coordinator would start the run
/// over with a model already updated. Its termination before an answer fails the run.
/// A workers node removed while the run is running costs its workers' reports (the coordinator watches each worker and
/// stops waiting for those that are gone); one removed while its block is starting fails the run, since the ids it
/// held have no other host (re-creating them elsewhere is not built).
/// Members with the aggregator role (other than this node) host the pool's shards, placed round-robin in address
/// order (<see cref="ShardAssignment"/>) while the workers start; the pool learns of them before the coordinator
/// starts. An aggregator node removed during the run costs nothing but time: the pool takes its shards back at once,
/// and they are re-created on the remaining aggregator nodes (if any), which the pool moves them to between rounds.
/// </remarks>
public sealed class ClusterRunActor : ReceiveActor, IWithTimers
{
    public const string Name = "cluster-run";
    private const string StartTimer = "start";
    private const string FinishTimer = "finish";

    private readonly ClusterRunSetup _setup;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly Dictionary<Address, Member> _up = new();
    private readonly IActorRef[] _workers;
    private IReadOnlyList<(Address Node, int FirstId, int Count)> _blocks = [];
    private readonly Dictionary<int, IActorRef> _nodeByFirstId = new();
    private readonly HashSet<IActorRef> _awaitingAck = [];
    private readonly Dictionary<int, (Address Node, ShardSpec[] Shards)> _aggregatorsPending = new();
    private readonly List<IActorRef> _aggregatorNodes = [];
    private IActorRef?[] _shardActors = [];
    private readonly Dictionary<int, Address> _shardNode = new();
    private int _nextAssignment;
    private IActorRef _requester = ActorRefs.Nobody;
    private IActorRef _coordinator = ActorRefs.Nobody;
    private object? _outcome;

    public ClusterRunActor(ClusterRunSetup setup)
    {
        _setup = setup;
        _workers = new IActorRef[setup.Workers];
        Waiting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ClusterRunSetup setup) => Akka.Actor.Props.Create(() => new ClusterRunActor(setup));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 0, withinTimeRange: Timeout.InfiniteTimeSpan, localOnlyDecider: _ => Directive.Stop);

    private void Waiting()
    {
        Receive<RunRequested>(_ =>
        {
            _requester = Sender;
            Timers.StartSingleTimer(StartTimer, StartTimeoutPassed.Instance, _setup.StartTimeout);
            _log.Info("Waiting for {0} cluster members to be Up ({1} are)", _setup.MinMembers, _up.Count);
            AssignIfReady();
        });
        Receive<ClusterEvent.MemberUp>(up =>
        {
            _up[up.Member.Address] = up.Member;
            AssignIfReady();
        });
        Receive<ClusterEvent.MemberRemoved>(removed => _up.Remove(removed.Member.Address));
        ReceiveStartTimeout();
        ReceiveCommon();
    }

    private void Starting()
    {
        Receive<WorkerStarted>(started =>
        {
            if ((uint)started.WorkerId >= (uint)_workers.Length)
            {
                _log.Warning("A node announced worker {0}; the run has {1}", started.WorkerId, _workers.Length);
                return;
            }
            _workers[started.WorkerId] = Sender;
        });
        Receive<WorkerBlockStarted>(started =>
        {
            var block = _blocks.FirstOrDefault(b => b.FirstId == started.FirstId && b.Count == started.Count);
            if (block.Node is null)
            {
                Fail($"a node started workers {started.FirstId}..{started.FirstId + started.Count - 1}, which were not assigned to it");
                return;
            }
            for (var id = started.FirstId; id < started.FirstId + started.Count; id++)
            {
                if (_workers[id] is null)
                {
                    Fail($"node {block.Node} started its block without announcing worker {id}");
                    return;
                }
            }
            _nodeByFirstId[started.FirstId] = Sender;
            StartIfReady();
        });
        Receive<WorkerBlockRefused>(refused => Fail($"a workers node refused workers from {refused.FirstId}: {refused.Reason}"));
        Receive<ShardStarted>(started =>
        {
            if ((uint)started.Index >= (uint)_shardActors.Length)
            {
                _log.Warning("A node announced shard {0}; the pool has {1}", started.Index, _shardActors.Length);
                return;
            }
            _shardActors[started.Index] = Sender;
        });
        Receive<ShardsStarted>(started =>
        {
            if (!_aggregatorsPending.Remove(started.Node, out var assignment))
            {
                _log.Warning("Unexpected ShardsStarted for assignment {0}", started.Node);
                return;
            }
            var missing = assignment.Shards.FirstOrDefault(shard => _shardActors[shard.Index] is null);
            if (missing is not null)
            {
                Fail($"aggregator node {assignment.Node} started its shards without announcing shard {missing.Index}");
                return;
            }
            _aggregatorNodes.Add(Sender);
            StartIfReady();
        });
        Receive<ShardsRefused>(refused => Fail($"an aggregator node refused its shards: {refused.Reason}"));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _up.Remove(removed.Member.Address);
            if (_blocks.Any(b => b.Node.Equals(removed.Member.Address)))
                Fail($"workers node {removed.Member.Address} left before its workers started");
            else if (_aggregatorsPending.Values.Any(a => a.Node.Equals(removed.Member.Address)))
                Fail($"aggregator node {removed.Member.Address} left before its shards started");
        });
        Receive<ClusterEvent.MemberUp>(up => _up[up.Member.Address] = up.Member);
        ReceiveStartTimeout();
        ReceiveCommon();
    }

    private void Placing()
    {
        Receive<ShardsReady>(_ => StartCoordinator());
        Receive<ClusterEvent.MemberRemoved>(removed => _up.Remove(removed.Member.Address));
        Receive<ClusterEvent.MemberUp>(up => _up[up.Member.Address] = up.Member);
        ReceiveStartTimeout();
        ReceiveCommon();
    }

    private void Running()
    {
        Receive<RunCompleted>(completed => Finish(completed));
        Receive<RunFailed>(failed => Finish(failed));
        Receive<Terminated>(terminated => terminated.ActorRef.Equals(_coordinator),
            _ => Finish(new RunFailed(0, "the coordinator stopped (it threw; see the log)")));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _up.Remove(removed.Member.Address);
            var block = _blocks.FirstOrDefault(b => b.Node.Equals(removed.Member.Address));
            if (block.Node is not null)
                _log.Warning("Workers node {0} was removed: workers {1}..{2} count as missing from now on",
                    removed.Member.Address, block.FirstId, block.FirstId + block.Count - 1);
            if (removed.Member.HasRole(ClusterRoles.Aggregator))
                ReplaceShardsOf(removed.Member.Address);
        });
        Receive<ClusterEvent.MemberUp>(up =>
        {
            _up[up.Member.Address] = up.Member;
            _log.Info("Node {0} joined during the run; it gets no workers", up.Member.Address);
        });
        Receive<ShardStarted>(started =>
        {
            if ((uint)started.Index < (uint)_shardActors.Length)
                _shardActors[started.Index] = Sender;
        });
        Receive<ShardsStarted>(started =>
        {
            if (!_aggregatorsPending.Remove(started.Node, out var assignment))
                return;
            if (!_aggregatorNodes.Contains(Sender))
                _aggregatorNodes.Add(Sender);
            var moved = new IActorRef?[_shardActors.Length];
            foreach (var shard in assignment.Shards)
            {
                moved[shard.Index] = _shardActors[shard.Index];
                _shardNode[shard.Index] = assignment.Node;
            }
            _log.Info("Shards {0} re-created on aggregator node {1}", string.Join(", ", assignment.Shards.Select(s => s.Index)), assignment.Node);
            _setup.Pool!.Tell(new ShardsPlaced(moved));
        });
        Receive<ShardsRefused>(refused => _log.Warning("An aggregator node refused shards; they stay on this node: {0}", refused.Reason));
        Receive<ShardsReady>(_ => { });
        ReceiveCommon();
    }

    private void Finishing()
    {
        Receive<RunFinishedAcknowledged>(_ =>
        {
            _awaitingAck.Remove(Sender);
            if (_awaitingAck.Count == 0)
                Answer();
        });
        Receive<Terminated>(terminated =>
        {
            _awaitingAck.Remove(terminated.ActorRef);
            if (_awaitingAck.Count == 0)
                Answer();
        });
        Receive<FinishTimeoutPassed>(_ =>
        {
            _log.Warning("{0} workers node(s) did not acknowledge the end of the run", _awaitingAck.Count);
            Answer();
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        ReceiveCommon();
    }

    private void Done()
    {
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Terminated>(_ => { });
        ReceiveCommon();
    }

    private void ReceiveStartTimeout() =>
        Receive<StartTimeoutPassed>(_ => Fail(_blocks.Count == 0
            ? $"only {_up.Count} of the {_setup.MinMembers} cluster members needed were Up after {_setup.StartTimeout}"
            : $"{_blocks.Count - _nodeByFirstId.Count} workers node(s) had not started their block and {_aggregatorsPending.Count} "
                + $"aggregator node(s) their shards after {_setup.StartTimeout}"));

    private void ReceiveCommon()
    {
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        ReceiveAny(message => _log.Warning("Unexpected {0} from {1}", message.GetType().Name, Sender.Path));
    }

    private void AssignIfReady()
    {
        if (_requester.IsNobody() || _up.Count < _setup.MinMembers)
            return;
        var nodes = _up.Values.Where(m => m.HasRole(ClusterRoles.Workers)).Select(m => m.Address);
        _blocks = WorkerAssignment.Split(_setup.Workers, nodes);
        if (_blocks.Count == 0)
        {
            Fail($"{_up.Count} members are Up but none has the role '{ClusterRoles.Workers}'");
            return;
        }
        var provider = ((ExtendedActorSystem)Context.System).Provider;
        foreach (var (node, first, count) in _blocks)
        {
            _log.Info("Workers {0}..{1} go to node {2}", first, first + count - 1, node);
            var nodeActor = provider.ResolveActorRef(new RootActorPath(node) / "user" / NodeWorkersActor.Name);
            if (_setup.Coalition is not null)
                _setup.Relay.Tell(new Outbound(nodeActor, CoalitionAnnounced.Instance), _setup.Coalition);
            _setup.Relay.Tell(new Outbound(nodeActor, new WorkerBlockAssigned(first, count, _setup.Fingerprint)), Self);
        }
        AssignShards();
        Become(Starting);
    }

    /// <summary>Places the pool's shards on the other members with the aggregator role; this node's stay in the pool.</summary>
    private void AssignShards()
    {
        if (_setup.Pool is null || _setup.ShardRanges is null)
            return;
        _shardActors = new IActorRef?[_setup.ShardRanges.Count];
        var aggregators = _up.Values.Where(m => m.HasRole(ClusterRoles.Aggregator)).Select(m => m.Address);
        var placement = ShardAssignment.Place(_setup.ShardRanges, aggregators);
        for (var k = 0; k < placement.Count; k++)
        {
            var (node, shards) = placement[k];
            if (node.Equals(_cluster.SelfAddress))
            {
                _log.Info("Shards {0} stay on this node", string.Join(", ", shards.Select(s => s.Index)));
                continue;
            }
            _log.Info("Shards {0} go to aggregator node {1}", string.Join(", ", shards.Select(s => s.Index)), node);
            Assign(node, shards);
        }
    }

    private void Assign(Address node, ShardSpec[] shards)
    {
        var ordinal = _nextAssignment++;
        _aggregatorsPending[ordinal] = (node, shards);
        foreach (var shard in shards)
            _shardNode[shard.Index] = node;
        var nodeActor = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(new RootActorPath(node) / "user" / NodeAggregatorActor.Name);
        _setup.Relay.Tell(new Outbound(nodeActor, new ShardsAssigned(_setup.Fingerprint, ordinal, shards)), Self);
    }

    /// <summary>
    /// The pool has already taken the removed node's shards back; they go round-robin to the aggregator nodes left
    /// (the pool moves them between rounds), or stay in the pool when none is.
    /// </summary>
    private void ReplaceShardsOf(Address removed)
    {
        foreach (var pending in _aggregatorsPending.Where(p => p.Value.Node.Equals(removed)).Select(p => p.Key).ToArray())
            _aggregatorsPending.Remove(pending);
        var lost = _shardNode.Where(p => p.Value.Equals(removed)).Select(p => p.Key).ToHashSet();
        foreach (var shard in lost)
        {
            _shardNode.Remove(shard);
            _shardActors[shard] = null;
        }
        if (lost.Count == 0 || _setup.ShardRanges is null)
            return;
        var remaining = _up.Values.Where(m => m.HasRole(ClusterRoles.Aggregator) && !m.Address.Equals(_cluster.SelfAddress))
            .Select(m => m.Address).ToArray();
        if (remaining.Length == 0)
        {
            _log.Warning("Aggregator node {0} was removed and no other is left: shards {1} run on this node from now on",
                removed, string.Join(", ", lost.Order()));
            return;
        }
        var ranges = _setup.ShardRanges.Select((range, k) => lost.Contains(k) ? range : new Aggregation.CoordinateRange(range.Start, 0)).ToArray();
        foreach (var (node, shards) in ShardAssignment.Place(ranges, remaining))
        {
            if (shards.Length == 0)
                continue;
            _log.Warning("Aggregator node {0} was removed: shards {1} move to aggregator node {2}", removed,
                string.Join(", ", shards.Select(s => s.Index)), node);
            Assign(node, shards);
        }
    }

    private void StartIfReady()
    {
        if (_nodeByFirstId.Count < _blocks.Count || _aggregatorsPending.Count > 0)
            return;
        if (_setup.Pool is not null && _shardActors.Any(shard => shard is not null))
        {
            _setup.Pool.Tell(new ShardsPlaced(_shardActors));
            Become(Placing);
            return;
        }
        StartCoordinator();
    }

    private void StartCoordinator()
    {
        Timers.Cancel(StartTimer);
        var recipients = _nodeByFirstId.OrderBy(pair => pair.Key).Select(pair => pair.Value).ToArray();
        _coordinator = Context.ActorOf(CoordinatorActor.Props(_setup.Coordinator(_workers, recipients)), "coordinator");
        Context.Watch(_coordinator);
        _log.Info("All {0} workers started on {1} node(s); the run starts", _workers.Length, recipients.Length);
        _coordinator.Tell(RunRequested.Instance);
        Become(Running);
    }

    private void Finish(object outcome)
    {
        _outcome = outcome;
        foreach (var node in _nodeByFirstId.Values.Concat(_aggregatorNodes))
        {
            _awaitingAck.Add(node);
            // A node proxy that already stopped (its node left) answers the watch at once.
            Context.Watch(node);
            node.Tell(RunFinished.Instance);
        }
        if (_awaitingAck.Count == 0)
        {
            Answer();
            return;
        }
        Timers.StartSingleTimer(FinishTimer, FinishTimeoutPassed.Instance, _setup.FinishTimeout);
        Become(Finishing);
    }

    private void Answer()
    {
        Timers.CancelAll();
        _requester.Tell(_outcome);
        Become(Done);
    }

    private void Fail(string reason)
    {
        _log.Error("The cluster run cannot start: {0}", reason);
        _outcome = new RunFailed(0, reason);
        Answer();
    }
}
