using Akka.Actor;
using Akka.Event;
using ClusterEvent = Akka.Cluster.ClusterEvent;

namespace FedActors.Actors.Cluster;

/// <summary>
/// A workers node's end of the run (one per node, at /user/node-workers). It starts the block of workers the
/// coordinator assigns, announces each worker (as the sender of <see cref="WorkerStarted"/>, so the coordinator
/// registers the worker itself), and receives each round's snapshot once for the whole node, handing the one array to
/// every local worker with the coordinator as sender: the workers' reports go back through this node's relay.
/// </summary>
/// <param name="setups">The setups of workers first .. first + count - 1, colluding through the coalition given.</param>
/// <param name="fingerprint">Hash of this node's resolved experiment; an assignment for another experiment is refused.</param>
public sealed class NodeWorkersActor : ReceiveActor
{
    public const string Name = "node-workers";

    private readonly Func<int, int, IActorRef?, IReadOnlyList<WorkerSetup>> _setups;
    private readonly string _fingerprint;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _coalition;
    private IActorRef _run = ActorRefs.Nobody;
    private int _first;
    private int _count;
    private IReadOnlyList<IActorRef> _workers = [];
    private NodeRunEnded? _ended;
    private readonly List<IActorRef> _waiting = [];

    public NodeWorkersActor(Func<int, int, IActorRef?, IReadOnlyList<WorkerSetup>> setups, string fingerprint)
    {
        _setups = setups;
        _fingerprint = fingerprint;
        Receive<CoalitionAnnounced>(_ => _coalition = Sender);
        Receive<WorkerBlockAssigned>(OnAssigned);
        Receive<WorkerGroupActor.WorkersCreated>(created =>
        {
            _workers = created.Workers;
            for (var i = 0; i < _workers.Count; i++)
                _run.Tell(new WorkerStarted(_first + i), _workers[i]);
            _run.Tell(new WorkerBlockStarted(_first, _count));
            _log.Info("Workers {0}..{1} started on this node", _first, _first + _count - 1);
        });
        // The sender is the coordinator (its proxy on this node): every worker answers it directly.
        Receive<RoundStarted>(round =>
        {
            foreach (var worker in _workers)
                worker.Tell(round, Sender);
        });
        Receive<RunFinished>(_ =>
        {
            Sender.Tell(RunFinishedAcknowledged.Instance);
            End(new NodeRunEnded(true, "the coordinator finished the run"));
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.HasRole(ClusterRoles.Coordinator))
                End(new NodeRunEnded(false, $"the coordinator node {removed.Member.Address} left before the run finished"));
        });
        Receive<NodeRunEndAwaited>(_ =>
        {
            if (_ended is null)
                _waiting.Add(Sender);
            else
                Sender.Tell(_ended);
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public static Props Props(Func<int, int, IActorRef?, IReadOnlyList<WorkerSetup>> setups, string fingerprint) =>
        Akka.Actor.Props.Create(() => new NodeWorkersActor(setups, fingerprint));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnAssigned(WorkerBlockAssigned assigned)
    {
        if (!_run.IsNobody())
        {
            Sender.Tell(new WorkerBlockRefused(assigned.FirstId, $"this node already hosts workers {_first}..{_first + _count - 1}"));
            return;
        }
        if (assigned.Fingerprint != _fingerprint)
        {
            Sender.Tell(new WorkerBlockRefused(assigned.FirstId,
                $"node {Akka.Cluster.Cluster.Get(Context.System).SelfAddress} loaded another experiment (fingerprint {_fingerprint}, the coordinator's is {assigned.Fingerprint})"));
            return;
        }
        IReadOnlyList<WorkerSetup> setups;
        try
        {
            setups = _setups(assigned.FirstId, assigned.Count, _coalition);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Sender.Tell(new WorkerBlockRefused(assigned.FirstId, e.Message));
            return;
        }
        _run = Sender;
        _first = assigned.FirstId;
        _count = assigned.Count;
        Context.ActorOf(WorkerGroupActor.Props(setups), "workers").Tell(WorkerGroupActor.WorkersRequested.Instance);
    }

    private void End(NodeRunEnded ended)
    {
        if (_ended is not null)
            return;
        _ended = ended;
        foreach (var waiter in _waiting)
            waiter.Tell(ended);
        _waiting.Clear();
    }
}
