using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using FedActors.Actors;
using FedActors.Actors.Checkpoints;
using FedActors.Actors.Cluster;
using FedActors.Actors.Serialization;
using FedActors.Aggregation;
using FedActors.Host.Configuration;
using FedActors.Host.Running;

namespace FedActors.Host.Cluster;

/// <summary>
/// One node of a cluster run, on an actor system the caller created (so tests can start several in one process). The
/// coordinator part wires the same metrics, aggregator pool, evaluator and coalition as <see cref="SimulationRunner"/>,
/// with the workers on the nodes that carry the workers role; a workers part starts the block of workers it is assigned.
/// </summary>
public static class ClusterNode
{
    /// <summary>
    /// The actor-system config of a node: the node's own address, roles and seed nodes over the experiment's akka block,
    /// over cluster.conf, over akka.conf, with the FedActors serializer bindings.
    /// </summary>
    public static Config ActorSystemConfig(Config experiment, Config cluster, IReadOnlyCollection<string> roles, string hostname, int port,
        IReadOnlyCollection<string> seedNodes)
    {
        var node = ConfigurationFactory.ParseString(string.Join('\n',
            $"akka.remote.dot-netty.tcp.hostname = {Quote(hostname)}",
            $"akka.remote.dot-netty.tcp.port = {port}",
            $"akka.cluster.roles = [{string.Join(", ", roles.Select(Quote))}]",
            $"akka.cluster.seed-nodes = [{string.Join(", ", seedNodes.Select(Quote))}]"));
        return node
            .WithFallback(experiment)
            .WithFallback(cluster)
            .WithFallback(ExperimentConfig.AkkaDefaults)
            .WithFallback(SerializationConfig.Bindings);
    }

    /// <summary>Every node must run the same experiment: a hash of the resolved configuration, compared at assignment.</summary>
    public static string Fingerprint(Config merged, ExperimentSettings settings) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ResultsWriter.ResolvedConfig(merged, settings))))[..16];

    /// <summary>Runs the experiment as the cluster's coordinator; metrics.csv goes into <paramref name="resultsDirectory"/>.</summary>
    /// <param name="hostsWorkers">This node also carries the workers role (its node actor is started here).</param>
    /// <param name="resumeFrom">A checkpoint of this experiment in <paramref name="resultsDirectory"/>: as for
    /// <see cref="SimulationRunner.RunAsync"/>, the server and the rule are restored from it and the run continues with
    /// the round after it. The workers nodes need nothing from it: a worker keeps no state across rounds.</param>
    public static async Task<RunOutcome> RunCoordinatorAsync(ActorSystem system, Experiment experiment, ClusterSettings cluster,
        string fingerprint, string resultsDirectory, bool hostsWorkers, Action<RoundMetrics>? onRound = null,
        CancellationToken cancellation = default, RunCheckpoint? resumeFrom = null)
    {
        var settings = experiment.Settings;
        if (resumeFrom is not null)
        {
            if (resumeFrom.Round >= settings.Rounds)
                throw new InvalidOperationException($"the checkpoint is at round {resumeFrom.Round} of {settings.Rounds}: the run already finished");
            RunCheckpoint.RestoreCoordinator(resumeFrom.CoordinatorState, experiment.Server, experiment.Pipeline.Rule);
        }
        var relay = system.ActorOf(RelayActor.Props(cluster.ChunkBytes), RelayActor.Name);
        var metrics = system.ActorOf(MetricsActor.Props(Path.Combine(resultsDirectory, "metrics.csv"), onRound, resumeFrom), "metrics");
        var pool = system.ActorOf(
            AggregatorPoolActor.Props(experiment.Pipeline, settings.Aggregator.Shards, experiment.Model.ParameterCount), "aggregator");
        var evaluator = experiment.Server.HasTestAccuracy ? system.ActorOf(EvaluatorActor.Props(experiment.Server, metrics), "evaluator") : null;
        var coalitionSetup = experiment.CoalitionSetup;
        var coalition = coalitionSetup is null ? null : system.ActorOf(CoalitionActor.Props(coalitionSetup), "coalition");
        if (hostsWorkers)
            system.ActorOf(NodeWorkersActor.Props(SetupsOf(experiment), fingerprint), NodeWorkersActor.Name);

        var run = system.ActorOf(ClusterRunActor.Props(new ClusterRunSetup(
            settings.Workers, cluster.MinMembers, cluster.StartTimeout, cluster.FinishTimeout, fingerprint, relay, coalition,
            (workers, recipients) => SimulationRunner.CoordinatorSetupFor(experiment, workers, pool, metrics, coalition, evaluator,
                resumeFrom, recipients),
            pool, CoordinatePartition.Split(experiment.Model.ParameterCount, settings.Aggregator.Shards))), ClusterRunActor.Name);
        var answer = await run.Ask<object>(RunRequested.Instance, Timeout.InfiniteTimeSpan, cancellation);
        return answer switch
        {
            RunCompleted completed => new RunOutcome(completed, null),
            RunFailed failed => new RunOutcome(null, failed),
            _ => throw new InvalidOperationException($"the cluster run answered {answer.GetType().Name}"),
        };
    }

    /// <summary>Hosts the block of workers the coordinator assigns, until the coordinator ends the run or leaves.</summary>
    public static Task<NodeRunEnded> RunWorkersAsync(ActorSystem system, Experiment experiment, ClusterSettings cluster,
        string fingerprint, CancellationToken cancellation = default) =>
        RunNodeAsync(system, experiment, cluster, fingerprint, [ClusterRoles.Workers], cancellation);

    /// <summary>
    /// A node without the coordinator role: hosts the workers (workers role) and the aggregator shards (aggregator
    /// role) the coordinator assigns, until the coordinator ends the run (every part acknowledged it) or leaves.
    /// </summary>
    public static async Task<NodeRunEnded> RunNodeAsync(ActorSystem system, Experiment experiment, ClusterSettings cluster,
        string fingerprint, IReadOnlyCollection<string> roles, CancellationToken cancellation = default)
    {
        system.ActorOf(RelayActor.Props(cluster.ChunkBytes), RelayActor.Name);
        var parts = new List<IActorRef>();
        if (roles.Contains(ClusterRoles.Workers))
            parts.Add(system.ActorOf(NodeWorkersActor.Props(SetupsOf(experiment), fingerprint), NodeWorkersActor.Name));
        if (roles.Contains(ClusterRoles.Aggregator))
            parts.Add(system.ActorOf(NodeAggregatorActor.Props(fingerprint), NodeAggregatorActor.Name));
        if (parts.Count == 0)
            throw new ArgumentException($"a node without the {ClusterRoles.Coordinator} role needs the {ClusterRoles.Workers} or the {ClusterRoles.Aggregator} role", nameof(roles));
        var answers = Task.WhenAll(parts.Select(part => part.Ask<NodeRunEnded>(NodeRunEndAwaited.Instance, Timeout.InfiniteTimeSpan, cancellation)));
        // An actor system that shuts down (the node was downed, or left) never answers a pending Ask: without this
        // the node's process would wait forever.
        if (await Task.WhenAny(answers, system.WhenTerminated) != answers)
            return new NodeRunEnded(false, "this node's actor system stopped before the run finished");
        var ended = await answers;
        return new NodeRunEnded(ended.All(e => e.RunFinished), string.Join("; ", ended.Select(e => e.Detail).Distinct()));
    }

    /// <summary>The setups of one block; every node builds the same experiment from the same file and seed, so worker
    /// id k has the same shard, model and behaviour on whichever node hosts it.</summary>
    private static Func<int, int, IActorRef?, IReadOnlyList<WorkerSetup>> SetupsOf(Experiment experiment) =>
        (first, count, coalition) =>
        {
            if (first < 0 || count < 1 || first + count > experiment.Settings.Workers)
                throw new ArgumentException($"workers {first}..{first + count - 1} are outside 0..{experiment.Settings.Workers - 1}");
            if (experiment.CoalitionAttack is not null && coalition is null)
                throw new InvalidOperationException("the experiment colludes but the coordinator announced no coalition");
            return experiment.WorkerSetups(coalition).Skip(first).Take(count).ToArray();
        };

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
