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
public sealed class NodeAggregatorActor : NodeRoleActor
{
    public const string Name = "node-aggregator";

    private readonly ILoggingAdapter _log = Context.GetLogger();
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
        ReceiveEndOfRun();
    }

    public static Props Props(string fingerprint) => Akka.Actor.Props.Create(() => new NodeAggregatorActor(fingerprint));
}
