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
public sealed class NodeWorkersActor : NodeRoleActor
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
        ReceiveEndOfRun();
    }

    public static Props Props(Func<int, int, IActorRef?, IReadOnlyList<WorkerSetup>> setups, string fingerprint) =>
        Akka.Actor.Props.Create(() => new NodeWorkersActor(setups, fingerprint));

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
}
