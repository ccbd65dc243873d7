using Akka.Configuration;
using Akka.TestKit.Xunit2;
using FedActors.Actors.Cluster;
using FedActors.Actors.Serialization;
using Xunit;

namespace FedActors.Actors.Tests;

/// <summary>The aggregator node's side of the start-up and shut-down protocol, with a probe as the coordinator's run actor.</summary>
public sealed class NodeAggregatorSpec() : TestKit(Node)
{
    // The node actor subscribes to cluster events, so the system needs the cluster provider; it never joins anything.
    private static readonly Config Node = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = WARNING
        """).WithFallback(SerializationConfig.Bindings);

    [Fact]
    public void It_announces_each_shard_as_its_sender_then_the_assignment_and_acknowledges_the_end_of_the_run()
    {
        var node = Sys.ActorOf(NodeAggregatorActor.Props("F1"));
        var run = CreateTestProbe();
        var host = CreateTestProbe();
        node.Tell(NodeRunEndAwaited.Instance, host.Ref);

        node.Tell(new ShardsAssigned("F1", 2, [new ShardSpec(1, 1024, 1024), new ShardSpec(3, 3072, 500)]), run.Ref);

        Assert.Equal(1, run.ExpectMsg<ShardStarted>().Index);
        Assert.Equal("shard-1", run.LastSender.Path.Name);
        Assert.Equal(3, run.ExpectMsg<ShardStarted>().Index);
        Assert.Equal("shard-3", run.LastSender.Path.Name);
        Assert.Equal(new ShardsStarted(2, 2), run.ExpectMsg<ShardsStarted>());
        Assert.Equal(node, run.LastSender);
        host.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        node.Tell(RunFinished.Instance, run.Ref);
        run.ExpectMsg<RunFinishedAcknowledged>();
        Assert.True(host.ExpectMsg<NodeRunEnded>().RunFinished);
    }

    [Fact]
    public void It_refuses_shards_of_another_experiment_and_a_shard_it_hosts_but_takes_more_shards_later()
    {
        var node = Sys.ActorOf(NodeAggregatorActor.Props("F1"));

        node.Tell(new ShardsAssigned("F2", 0, [new ShardSpec(0, 0, 1024)]), TestActor);
        Assert.Contains("another experiment", ExpectMsg<ShardsRefused>().Reason);

        node.Tell(new ShardsAssigned("F1", 0, [new ShardSpec(0, 0, 1024)]), TestActor);
        ExpectMsg<ShardStarted>();
        ExpectMsg<ShardsStarted>();
        node.Tell(new ShardsAssigned("F1", 1, [new ShardSpec(0, 0, 1024)]), TestActor);
        Assert.Contains("already hosts shard 0", ExpectMsg<ShardsRefused>().Reason);

        // A lost node's shard moves here.
        node.Tell(new ShardsAssigned("F1", 2, [new ShardSpec(1, 1024, 1024)]), TestActor);
        Assert.Equal(1, ExpectMsg<ShardStarted>().Index);
        Assert.Equal("shard-1", LastSender.Path.Name);
        Assert.Equal(new ShardsStarted(2, 1), ExpectMsg<ShardsStarted>());
    }
}
