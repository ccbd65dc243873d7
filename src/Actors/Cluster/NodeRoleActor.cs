using Akka.Actor;
using Akka.Cluster;

namespace FedActors.Actors.Cluster;

/// <summary>
/// The end of a run as every non-coordinator node role sees it: the coordinator's <see cref="RunFinished"/>
/// (acknowledged, so the coordinator may leave), or the coordinator's node leaving first; and the host's
/// <see cref="NodeRunEndAwaited"/>, answered once the run has ended. Subclasses register their own messages first,
/// then call <see cref="ReceiveEndOfRun"/>.
/// </summary>
public abstract class NodeRoleActor : ReceiveActor
{
    private readonly List<IActorRef> _waiting = [];
    private NodeRunEnded? _ended;

    protected void ReceiveEndOfRun()
    {
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

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

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
