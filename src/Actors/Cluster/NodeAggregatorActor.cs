using Akka.Actor;
using Akka.Event;
using FedActors.Aggregation;
using ClusterEvent = Akka.Cluster.ClusterEvent;

namespace FedActors.Actors.Cluster;

/// <summary>
/// An aggregator node's end of the run (one per node, at /user/node-aggregator). It starts the shards the coordinator
/// assigns (<see cref="RemoteShardActor"/>, one per coordinate range) and announces each one as the sender of
/// <see cref="ShardStarted"/>, so the pool sends that shard's work to it; then <see cref="ShardsStarted"/> as itself.
/// It ends as a workers node does: when the coordinator finishes the run, or when the coordinator's node leaves.
/// Later assignments add shards (those of another aggregator node that was lost); a shard it already hosts is refused.
/// </summary>
public sealed class NodeAggregatorActor : ReceiveActor
{
    public const string Name = "node-aggregator";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _waiting = [];
    private NodeRunEnded? _ended;
    private readonly HashSet<int> _hosted = [];

    public NodeAggregatorActor(string fingerprint)
    {
        Receive<ShardsAssigned>(assigned =>
        {
            var twice = assigned.Shards.FirstOrDefault(shard => _hosted.Contains(shard.Index));
            if (twice is not null)
            {
                Sender.Tell(new ShardsRefused($"node {Akka.Cluster.Cluster.Get(Context.System).SelfAddress} already hosts shard {twice.Index}"));
                return;
            }
            if (assigned.Fingerprint != fingerprint)
            {
                Sender.Tell(new ShardsRefused(
                    $"node {Akka.Cluster.Cluster.Get(Context.System).SelfAddress} loaded another experiment (fingerprint {fingerprint}, the coordinator's is {assigned.Fingerprint})"));
                return;
            }
            foreach (var shard in assigned.Shards)
            {
                _hosted.Add(shard.Index);
                var actor = Context.ActorOf(RemoteShardActor.Props(shard.Index, new CoordinateRange(shard.Start, shard.Length)), $"shard-{shard.Index}");
                Sender.Tell(new ShardStarted(shard.Index), actor);
            }
            Sender.Tell(new ShardsStarted(assigned.Node, assigned.Shards.Length));
            _log.Info("Aggregator shards {0} started on this node", string.Join(", ", assigned.Shards.Select(s => s.Index)));
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

    public static Props Props(string fingerprint) => Akka.Actor.Props.Create(() => new NodeAggregatorActor(fingerprint));

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
