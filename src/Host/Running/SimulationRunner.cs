using Akka.Actor;
using Akka.Configuration;
using FedActors.Actors;
using FedActors.Actors.Checkpoints;
using FedActors.Attacks;

namespace FedActors.Host.Running;

/// <summary>How a run ended: completed with its last metrics, or failed with a reason.</summary>
public sealed record RunOutcome(RunCompleted? Completed, RunFailed? Failed)
{
    public bool Succeeded => Completed is not null;
}

/// <summary>
/// Starts one actor system for one experiment, wires metrics, aggregator pool, workers and coordinator, runs every
/// round and shuts the system down. The results folder must exist; metrics.csv is written into it.
/// </summary>
public static class SimulationRunner
{
    /// <param name="resumeFrom">A checkpoint of this experiment in <paramref name="resultsDirectory"/>: the server and the
    /// rule are restored from it and the run continues with the round after it.</param>
    public static async Task<RunOutcome> RunAsync(Experiment experiment, Config actorSystemConfig, string resultsDirectory,
        Action<RoundMetrics>? onRound = null, CancellationToken cancellation = default, RunCheckpoint? resumeFrom = null)
    {
        var settings = experiment.Settings;
        if (resumeFrom is not null)
        {
            if (resumeFrom.Round >= settings.Rounds)
                throw new InvalidOperationException($"the checkpoint is at round {resumeFrom.Round} of {settings.Rounds}: the run already finished");
            RunCheckpoint.RestoreCoordinator(resumeFrom.CoordinatorState, experiment.Server, experiment.Pipeline.Rule);
        }
        using var system = ActorSystem.Create("fedactors", LocalSystemConfig(actorSystemConfig));
        try
        {
            var metrics = system.ActorOf(MetricsActor.Props(Path.Combine(resultsDirectory, "metrics.csv"), onRound, resumeFrom), "metrics");
            var pool = system.ActorOf(
                AggregatorPoolActor.Props(experiment.Pipeline, settings.Aggregator.Shards, experiment.Model.ParameterCount), "aggregator");
            var evaluator = experiment.Server.HasTestAccuracy
                ? system.ActorOf(EvaluatorActor.Props(experiment.Server, metrics), "evaluator")
                : null;
            var coalitionSetup = experiment.CoalitionSetup;
            var coalition = coalitionSetup is null ? null : system.ActorOf(CoalitionActor.Props(coalitionSetup), "coalition");
            var group = system.ActorOf(WorkerGroupActor.Props(experiment.WorkerSetups(coalition)), "workers");
            var workers = await group.Ask<WorkerGroupActor.WorkersCreated>(WorkerGroupActor.WorkersRequested.Instance, cancellation);

            var coordinator = system.ActorOf(CoordinatorActor.Props(
                CoordinatorSetupFor(experiment, workers.Workers, pool, metrics, coalition, evaluator, resumeFrom)), "coordinator");

            var answer = await coordinator.Ask<object>(RunRequested.Instance, Timeout.InfiniteTimeSpan, cancellation);
            return answer switch
            {
                RunCompleted completed => new RunOutcome(completed, null),
                RunFailed failed => new RunOutcome(null, failed),
                _ => throw new InvalidOperationException($"coordinator answered {answer.GetType().Name}"),
            };
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>
    /// The run's actor-system config, with terminating the system not running coordinated shutdown: a one-process run
    /// has no cluster to leave, and the shutdown's "CoordinatedShutdown invoked" info line could reach Akka's own
    /// standard-output logger after the Serilog adapter had stopped, printed into the progress bar or between a sweep's
    /// cell lines (about one run in sixteen).
    /// </summary>
    public static Config LocalSystemConfig(Config actorSystemConfig) =>
        ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off")
            .WithFallback(actorSystemConfig);

    /// <summary>The coordinator's setup for an experiment, whoever hosts the workers (this process or cluster nodes).</summary>
    /// <param name="roundRecipients">Who hears each round's start: null for every worker (one process); one actor per
    /// workers node on a cluster, where the coordinator also watches its workers, since a node may leave.</param>
    public static CoordinatorSetup CoordinatorSetupFor(Experiment experiment, IReadOnlyList<IActorRef> workers, IActorRef pool,
        IActorRef metrics, IActorRef? coalition, IActorRef? evaluator, RunCheckpoint? resumeFrom,
        IReadOnlyList<IActorRef>? roundRecipients = null)
    {
        var settings = experiment.Settings;
        return new CoordinatorSetup(
            settings.Rounds,
            workers,
            experiment.Roster,
            experiment.Server,
            pool,
            metrics,
            experiment.Pipeline.MinimumInputRows(settings.Workers) ?? settings.Workers,
            settings.RoundDeadline,
            settings.EvalEvery,
            settings.TrainingSeed,
            coalition,
            TapHonestReports: coalition is not null && settings.Attack.Knowledge == AdversaryKnowledge.Omniscient,
            evaluator,
            settings.CheckpointEvery,
            experiment.Pipeline.Rule,
            FirstRound: (resumeFrom?.Round ?? 0) + 1,
            RoundRecipients: roundRecipients,
            WatchWorkers: roundRecipients is not null);
    }
}
