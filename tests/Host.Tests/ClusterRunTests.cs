using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using FedActors.Actors;
using FedActors.Actors.Checkpoints;
using FedActors.Actors.Cluster;
using FedActors.Host.Cluster;
using FedActors.Host.Configuration;
using FedActors.Host.Running;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>
/// Runs on three actor systems with the cluster provider in this process, on loopback with free ports: a coordinator
/// node and two workers nodes, each building the experiment from the same text as separate processes would.
/// </summary>
public class ClusterRunTests
{
    /// <summary>Faster gossip than the defaults so joining and leaving take a fraction of a second.</summary>
    private static readonly Config TestNode = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.loggers = ["Akka.Event.DefaultLogger"]
        akka.cluster.gossip-interval = 200ms
        akka.cluster.leader-actions-interval = 200ms
        akka.cluster.unreachable-nodes-reaper-interval = 200ms
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        """);

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    private const string Quickstart = "quickstart.conf";

    private sealed record Node(ActorSystem System, Experiment Experiment, string Fingerprint);

    private static Node Start(string[] overrides, params string[] roles) => StartFrom(RepositoryFiles.Experiment(Quickstart), overrides, roles);

    private static Node StartFrom(string experimentPath, string[] overrides, params string[] roles)
    {
        var merged = ExperimentConfig.Load(experimentPath, overrides);
        var settings = ExperimentSettingsParser.Parse(merged);
        var config = TestNode.WithFallback(ClusterNode.ActorSystemConfig(merged, ClusterSettings.Reference, roles, "127.0.0.1", 0, []));
        return new Node(ActorSystem.Create("fedactors", config), Experiment.Build(settings), ClusterNode.Fingerprint(merged, settings));
    }

    private static readonly ClusterSettings ThreeNodes = ClusterSettings.From(ClusterSettings.Reference) with { MinMembers = 3 };

    /// <summary>A coordinator node and two workers nodes joined to it; the caller runs and terminates them.</summary>
    private static (Node Coordinator, Node[] Workers) StartCluster(string[] overrides, Node? coordinatorNode = null)
    {
        var coordinator = coordinatorNode ?? Start(overrides, ClusterRoles.Coordinator);
        var workers = new[] { Start(overrides, ClusterRoles.Workers), Start(overrides, ClusterRoles.Workers) };
        var seed = Akka.Cluster.Cluster.Get(coordinator.System).SelfAddress;
        Akka.Cluster.Cluster.Get(coordinator.System).Join(seed);
        foreach (var node in workers)
            Akka.Cluster.Cluster.Get(node.System).Join(seed);
        return (coordinator, workers);
    }

    private static async Task<(RunOutcome Outcome, string Csv, NodeRunEnded[] WorkersEnded)> RunCluster(string[] overrides,
        Action<RoundMetrics, Node[]>? onRound = null)
    {
        var (coordinator, workers) = StartCluster(overrides);
        var directory = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            var workerRuns = workers.Select(node => ClusterNode.RunWorkersAsync(node.System, node.Experiment, ThreeNodes, node.Fingerprint)).ToArray();
            var outcome = await ClusterNode.RunCoordinatorAsync(coordinator.System, coordinator.Experiment, ThreeNodes,
                coordinator.Fingerprint, directory, hostsWorkers: false, metrics => onRound?.Invoke(metrics, workers)).WaitAsync(Generous);
            var ended = await Task.WhenAll(workerRuns.Select(run => run.WaitAsync(Generous).ContinueWith(t =>
                t.IsCompletedSuccessfully ? t.Result : new NodeRunEnded(false, t.Exception?.GetBaseException().Message ?? "cancelled"))));
            return (outcome, File.ReadAllText(Path.Combine(directory, "metrics.csv")), ended);
        }
        finally
        {
            await Task.WhenAll(workers.Append(coordinator).Select(node => node.System.Terminate())).WaitAsync(Generous);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string SingleProcess(string[] overrides)
    {
        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.Load(RepositoryFiles.Experiment(Quickstart), overrides));
        var directory = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            var outcome = SimulationRunner.RunAsync(Experiment.Build(settings), ConfigurationFactory.ParseString("akka.loglevel = WARNING"),
                directory).GetAwaiter().GetResult();
            Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
            return File.ReadAllText(Path.Combine(directory, "metrics.csv"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string WithoutTimingColumns(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var keep = lines[0].Split(',').Select((name, index) => (name, index)).Where(c => !c.name.EndsWith("_ms")).Select(c => c.index).ToArray();
        return string.Join('\n', lines.Select(line => string.Join(',', keep.Select(i => line.Split(',')[i]))));
    }

    private static int[] Column(string csv, string name)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(lines[0].Split(','), name);
        return lines.Skip(1).Select(line => int.Parse(line.Split(',')[index], CultureInfo.InvariantCulture)).ToArray();
    }

    public static TheoryData<string> Attacks() => ["sign-flip", "alie"];

    /// <summary>Three blocks of coordinates over three shards, 20 workers, few samples: small enough to be quick, wide
    /// enough that the aggregator node's shards hold block-tree nodes the pool must combine with its own.</summary>
    private static string[] Wide(string rule, int rounds) =>
    [
        $"fedactors.rounds={rounds}", "fedactors.workers.count=20", "fedactors.workers.byzantine=4",
        "fedactors.task.linear-regression.dimension=2500", "fedactors.task.linear-regression.train-samples=2000",
        "fedactors.aggregator.shards=3", $"fedactors.aggregator.rule={rule}",
    ];

    /// <summary>
    /// Node 0 is the coordinator (with the roles given after it); the others join it. Runs to the end and returns the
    /// outcome, metrics.csv and how each other node ended.
    /// </summary>
    private static async Task<(RunOutcome Outcome, string Csv, NodeRunEnded[] Ended)> RunNodes(string[] overrides, string[][] roles,
        Action<RoundMetrics, Node[]>? onRound = null)
    {
        var nodes = roles.Select(r => Start(overrides, r)).ToArray();
        var seed = Akka.Cluster.Cluster.Get(nodes[0].System).SelfAddress;
        foreach (var node in nodes)
            Akka.Cluster.Cluster.Get(node.System).Join(seed);
        var directory = RepositoryFiles.NewTemporaryDirectory();
        var settings = ClusterSettings.From(ClusterSettings.Reference) with { MinMembers = nodes.Length };
        try
        {
            var others = nodes.Skip(1).Zip(roles.Skip(1))
                .Select(pair => ClusterNode.RunNodeAsync(pair.First.System, pair.First.Experiment, settings, pair.First.Fingerprint, pair.Second))
                .ToArray();
            var outcome = await ClusterNode.RunCoordinatorAsync(nodes[0].System, nodes[0].Experiment, settings, nodes[0].Fingerprint, directory,
                hostsWorkers: roles[0].Contains(ClusterRoles.Workers), metrics => onRound?.Invoke(metrics, nodes)).WaitAsync(Generous);
            var ended = await Task.WhenAll(others.Select(run => run.WaitAsync(Generous).ContinueWith(t =>
                t.IsCompletedSuccessfully ? t.Result : new NodeRunEnded(false, t.Exception?.GetBaseException().Message ?? "cancelled"))));
            return (outcome, File.ReadAllText(Path.Combine(directory, "metrics.csv")), ended);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(node => node.System.Terminate())).WaitAsync(Generous);
            Directory.Delete(directory, recursive: true);
        }
    }

    public static TheoryData<string> ShardedRules() => ["geometric-median", "bulyan"];

    [Theory]
    [MemberData(nameof(ShardedRules))]
    public async Task Shards_on_an_aggregator_node_give_the_single_process_metrics_byte_for_byte(string rule)
    {
        // geometric-median: a coordinate-wise start and fused weighted-sum + distance sweeps; bulyan: a Gram matrix, a
        // mix kept on the shards, and a coordinate-wise pass with kept-value counts on the mixed rows.
        var overrides = Wide(rule, rounds: 6);

        var hosted = -1;

        var (outcome, csv, ended) = await RunNodes(overrides,
            [[ClusterRoles.Coordinator], [ClusterRoles.Workers], [ClusterRoles.Aggregator]], (metrics, nodes) =>
            {
                if (metrics.Round == 1)
                    hosted = Enumerable.Range(0, 3).Count(k => nodes[2].System.ActorSelection($"/user/{NodeAggregatorActor.Name}/shard-{k}")
                        .ResolveOne(TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully).Result);
            });

        Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
        // Every shard ran on the aggregator node, none in the coordinator's process.
        Assert.Equal(3, hosted);
        Assert.Equal(WithoutTimingColumns(SingleProcess(overrides)), WithoutTimingColumns(csv));
        Assert.All(ended, e => Assert.True(e.RunFinished, e.Detail));
    }

    [Fact]
    public async Task The_shards_of_a_lost_aggregator_node_move_to_the_one_left_and_the_metrics_do_not_change()
    {
        var overrides = Wide("geometric-median", rounds: 12).Append("fedactors.round.deadline=600s").ToArray();
        var lost = -1;
        var hostedAfterTheLoss = -1;

        var (outcome, csv, ended) = await RunNodes(overrides,
            [[ClusterRoles.Coordinator, ClusterRoles.Workers], [ClusterRoles.Workers], [ClusterRoles.Aggregator], [ClusterRoles.Aggregator]],
            (metrics, nodes) =>
            {
                bool Hosts(ActorSystem system, int shard) => system.ActorSelection($"/user/{NodeAggregatorActor.Name}/shard-{shard}")
                    .ResolveOne(TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully).Result;
                if (metrics.Round == 3)
                {
                    // Three shards over two aggregator nodes: the one hosting shard 0 hosts shard 2 too; it goes.
                    lost = Hosts(nodes[2].System, 0) ? 2 : 3;
                    var node = nodes[lost].System;
                    node.ActorSelection("/user/" + RelayActor.Name).Tell(PoisonPill.Instance);
                    _ = node.Terminate();
                    // The move follows the node's removal, which may come after the last round: wait for it here,
                    // where the run cannot end without this thread (the metrics actor flushes the last row).
                    var survivor = nodes[5 - lost].System;
                    var patience = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                    while (DateTime.UtcNow < patience && !(Hosts(survivor, 0) && Hosts(survivor, 2)))
                        Thread.Sleep(100);
                    hostedAfterTheLoss = Enumerable.Range(0, 3).Count(k => Hosts(survivor, k));
                }
            });

        Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
        Assert.Equal(WithoutTimingColumns(SingleProcess(overrides)), WithoutTimingColumns(csv));
        // The remaining aggregator node took over the lost node's shards.
        Assert.Equal(3, hostedAfterTheLoss);
        Assert.True(ended[0].RunFinished, ended[0].Detail);
        Assert.True(ended[5 - lost - 1].RunFinished, ended[5 - lost - 1].Detail);
    }

    [Fact]
    public async Task An_aggregator_node_that_leaves_mid_run_costs_nothing_but_a_retried_round()
    {
        // The round deadline is far beyond the test's patience, so a pool that kept waiting for the departed shards
        // would fail the test by timing out; the metrics must still be the single-process run's.
        var overrides = Wide("bulyan", rounds: 10).Append("fedactors.round.deadline=600s").ToArray();
        var left = 0;

        var (outcome, csv, ended) = await RunNodes(overrides,
            [[ClusterRoles.Coordinator, ClusterRoles.Workers], [ClusterRoles.Workers], [ClusterRoles.Aggregator]],
            (metrics, nodes) =>
            {
                if (metrics.Round != 3 || Interlocked.Exchange(ref left, 1) == 1)
                    return;
                // Cut the node's link first so the passes in flight are lost, then let it leave the cluster.
                var node = nodes[2].System;
                node.ActorSelection("/user/" + RelayActor.Name).Tell(PoisonPill.Instance);
                _ = node.Terminate();
            });

        Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
        Assert.Equal(1, left);
        Assert.Equal(WithoutTimingColumns(SingleProcess(overrides)), WithoutTimingColumns(csv));
        Assert.True(ended[0].RunFinished, ended[0].Detail);
    }

    [Fact]
    public async Task A_cluster_run_stopped_after_its_checkpoint_and_resumed_gives_the_single_process_metrics()
    {
        // Momentum and a stateful rule (centered clipping keeps its centre), so the checkpoint carries optimizer and
        // rule state; a colluding attack, so the coalition on the coordinator's node is part of the resumed run too.
        string[] overrides = ["fedactors.rounds=14", "fedactors.checkpoint.every=4", "fedactors.training.momentum=0.9",
            "fedactors.aggregator.rule=centered-clipping", "fedactors.attack.name=alie"];
        var directory = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            var (coordinator, workers) = StartCluster(overrides);
            try
            {
                File.WriteAllText(Path.Combine(directory, "config.conf"), ResultsWriter.ResolvedConfig(
                    ExperimentConfig.Load(RepositoryFiles.Experiment(Quickstart), overrides), coordinator.Experiment.Settings));
                foreach (var node in workers)
                    _ = ClusterNode.RunWorkersAsync(node.System, node.Experiment, ThreeNodes, node.Fingerprint);
                using var stop = new CancellationTokenSource();
                // As in CheckpointResumeTests: the stop comes from the metrics actor's thread after row 6, and holding
                // that thread keeps it from writing later rows while the systems go down. Whichever checkpoint
                // survives, the resumed run must end with the uninterrupted run's metrics.
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ClusterNode.RunCoordinatorAsync(coordinator.System,
                    coordinator.Experiment, ThreeNodes, coordinator.Fingerprint, directory, hostsWorkers: false, metrics =>
                    {
                        if (metrics.Round != 6)
                            return;
                        stop.Cancel();
                        Thread.Sleep(500);
                    }, stop.Token).WaitAsync(Generous));
            }
            finally
            {
                await Task.WhenAll(workers.Append(coordinator).Select(node => node.System.Terminate())).WaitAsync(Generous);
            }
            var checkpoint = RunCheckpoint.Read(directory);
            Assert.True(checkpoint.Round is 4 or 8 or 12, $"checkpoint at round {checkpoint.Round}");

            // The resumed coordinator reads the folder's config.conf, as `fedactors node --resume DIR` does, while the
            // workers nodes load the original experiment: the fingerprints must agree or the workers would refuse.
            var resumedCoordinator = StartFrom(Path.Combine(directory, "config.conf"), [], ClusterRoles.Coordinator);
            var (resumed, resumedWorkers) = StartCluster(overrides, resumedCoordinator);
            try
            {
                var workerRuns = resumedWorkers.Select(node => ClusterNode.RunWorkersAsync(node.System, node.Experiment, ThreeNodes, node.Fingerprint)).ToArray();
                var outcome = await ClusterNode.RunCoordinatorAsync(resumed.System, resumed.Experiment, ThreeNodes, resumed.Fingerprint,
                    directory, hostsWorkers: false, resumeFrom: checkpoint).WaitAsync(Generous);
                Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
                Assert.All(await Task.WhenAll(workerRuns).WaitAsync(Generous), e => Assert.True(e.RunFinished, e.Detail));
            }
            finally
            {
                await Task.WhenAll(resumedWorkers.Append(resumed).Select(node => node.System.Terminate())).WaitAsync(Generous);
            }

            Assert.Equal(WithoutTimingColumns(SingleProcess(overrides)), WithoutTimingColumns(File.ReadAllText(Path.Combine(directory, "metrics.csv"))));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Three_nodes_give_the_single_process_metrics_byte_for_byte(string attack)
    {
        // alie colludes: its members on the two workers nodes reach the coalition on the coordinator's node through the relays.
        string[] overrides = ["fedactors.rounds=25", $"fedactors.attack.name={attack}"];

        var (outcome, csv, ended) = await RunCluster(overrides);

        Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
        Assert.Equal(WithoutTimingColumns(SingleProcess(overrides)), WithoutTimingColumns(csv));
        Assert.All(ended, e => Assert.True(e.RunFinished, e.Detail));
    }

    [Fact]
    public async Task A_workers_node_that_leaves_mid_run_costs_its_workers_and_the_run_finishes()
    {
        // The round deadline is far beyond the test's patience: a round can only close early, by every worker being
        // heard from or gone, so a coordinator that kept waiting for the departed node would fail the test by timing out.
        string[] overrides = ["fedactors.rounds=30", "fedactors.round.deadline=600s"];
        var left = 0;

        var (outcome, csv, ended) = await RunCluster(overrides, (metrics, workers) =>
        {
            if (metrics.Round != 3 || Interlocked.Exchange(ref left, 1) == 1)
                return;
            // Cut the node's link first so it misses rounds from here on, then let it leave the cluster.
            var node = workers[0].System;
            node.ActorSelection("/user/" + RelayActor.Name).Tell(PoisonPill.Instance);
            _ = node.Terminate();
        });

        Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
        var missing = Column(csv, "missing_reports");
        var accepted = Column(csv, "accepted_reports");
        Assert.Equal(30, missing.Length);
        Assert.Equal(0, missing[0]);
        // Two workers nodes split 100 ids in halves; the one that left is missing for good.
        Assert.Equal(50, missing[^1]);
        Assert.Equal(50, accepted[^1]);
        Assert.All(missing.Zip(accepted), row => Assert.Equal(100, row.First + row.Second));
        Assert.True(ended[1].RunFinished, ended[1].Detail);
        // The departed node's own wait ends as it leaves (it sees the others removed, or its system stop), not never.
        Assert.False(ended[0].RunFinished);
        Assert.Matches("actor system stopped|coordinator node .* left", ended[0].Detail);
    }
}
