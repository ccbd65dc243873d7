using System.CommandLine;
using System.Diagnostics;
using Akka.Actor;
using FedActors.Actors.Checkpoints;
using FedActors.Actors.Cluster;
using FedActors.Host.Configuration;
using FedActors.Host.Running;
using Serilog;

namespace FedActors.Host.Cluster;

/// <summary>
/// <c>fedactors node</c>: one process of a cluster run. A coordinator node writes the results folder exactly as
/// <c>fedactors run --out</c> does; a workers node hosts the block of workers it is assigned, an aggregator node the
/// aggregator shards, and either exits when the coordinator ends the run (0) or leaves without ending it (1).
/// </summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var roles = new Option<string[]>("--role")
        {
            Description = $"{ClusterRoles.Coordinator}, {ClusterRoles.Workers} or {ClusterRoles.Aggregator} (repeatable: one node may carry several)",
            Arity = ArgumentArity.OneOrMore,
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        // Not AcceptOnlyFromAmong: its message names the value but not the option.
        roles.Validators.Add(result =>
        {
            foreach (var role in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!ClusterRoles.All.Contains(role))
                    result.AddError($"--role: '{role}' is not a role; expected {string.Join(", ", ClusterRoles.All)}");
            }
        });
        var experiment = new Option<FileInfo?>("--experiment")
        {
            Description = "Experiment file (HOCON); every node loads the same one (a resumed run's workers nodes: its RESULTS_DIR/config.conf)",
        };
        var resume = new Option<DirectoryInfo?>("--resume")
        {
            Description = "Coordinator only: continue the stopped run in this results folder from its checkpoint.bin (no --experiment, --out or experiment --set)",
        };
        var hostname = new Option<string>("--hostname") { Description = "Address this node binds and is reached at", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port of this node (0: any free port)", DefaultValueFactory = _ => 0 };
        var seeds = new Option<string?>("--seed-nodes")
        {
            Description = "Comma-separated akka.tcp://fedactors@HOST:PORT addresses to join (the coordinator's first); "
                + "a coordinator without seed nodes starts a new cluster",
        };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Results folder of the coordinator node (default: results/<fedactors.name>)" };
        var overrides = new Option<string[]>("--set")
        {
            Description = "Override one key (repeatable); fedactors.cluster.* keys are the node's (hocon/cluster.conf), the rest the experiment's",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("node", "Run one node of a cluster run (Akka.Cluster): the coordinator, a workers node, an aggregator node, or several roles at once")
        {
            roles, experiment, hostname, port, seeds, output, overrides, resume,
        };
        command.SetAction(parsed => Execute(
            parsed.GetValue(roles) ?? [],
            parsed.GetValue(experiment)?.FullName,
            parsed.GetValue(hostname)!,
            parsed.GetValue(port),
            (parsed.GetValue(seeds) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            parsed.GetValue(output)?.FullName,
            parsed.GetValue(overrides) ?? [],
            parsed.GetValue(resume)?.FullName));
        return command;
    }

    public static int Execute(IReadOnlyList<string> roles, string? experimentPath, string hostname, int port, IReadOnlyList<string> seedNodes,
        string? outputDirectory, IReadOnlyList<string> overrides, string? resumeDirectory = null)
    {
        var coordinator = roles.Contains(ClusterRoles.Coordinator);
        var hostsWorkers = roles.Contains(ClusterRoles.Workers);
        if (!coordinator && seedNodes.Count == 0)
        {
            Console.Error.WriteLine("fedactors: a node without the coordinator role needs --seed-nodes (the coordinator's address) to join");
            return Program.ExitInvalidInput;
        }
        if (port is < 0 or > 65535)
        {
            Console.Error.WriteLine($"fedactors: --port {port} is not a TCP port (0 to 65535; 0 picks a free one)");
            return Program.ExitInvalidInput;
        }
        var badSeed = seedNodes.FirstOrDefault(seed => !Akka.Actor.Address.TryParse(seed, out var address) || address.Host is null || address.Port is null);
        if (badSeed is not null)
        {
            Console.Error.WriteLine($"fedactors: --seed-nodes: '{badSeed}' is not an address like akka.tcp://fedactors@127.0.0.1:4053");
            return Program.ExitInvalidInput;
        }
        RunCheckpoint? checkpoint = null;
        if (resumeDirectory is not null)
        {
            if (!coordinator)
            {
                Console.Error.WriteLine($"fedactors: --resume is for the node with the {ClusterRoles.Coordinator} role; "
                    + "the other nodes of a resumed run start with --experiment RESULTS_DIR/config.conf");
                return Program.ExitInvalidInput;
            }
            if (experimentPath is not null || outputDirectory is not null || overrides.Any(o => !ClusterSettings.IsClusterOverride(o)))
            {
                Console.Error.WriteLine("fedactors: --resume continues a run exactly as it was configured: give no --experiment, --out or experiment --set");
                return Program.ExitInvalidInput;
            }
            try
            {
                checkpoint = RunCheckpoint.Read(resumeDirectory);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                Console.Error.WriteLine($"fedactors: --resume: cannot resume: {e.Message}");
                return Program.ExitInvalidInput;
            }
            experimentPath = Path.Combine(resumeDirectory, "config.conf");
            if (!File.Exists(experimentPath))
            {
                Console.Error.WriteLine($"fedactors: --resume: cannot resume: {experimentPath} is missing");
                return Program.ExitInvalidInput;
            }
            outputDirectory = resumeDirectory;
        }
        if (experimentPath is null)
        {
            Console.Error.WriteLine("fedactors: node needs --experiment EXPERIMENT.conf (or, on the coordinator, --resume RESULTS_DIR)");
            return Program.ExitInvalidInput;
        }
        Akka.Configuration.Config merged;
        ExperimentSettings settings;
        Experiment experiment;
        ClusterSettings cluster;
        Akka.Configuration.Config clusterConfig;
        try
        {
            (cluster, clusterConfig) = ClusterSettings.Load(overrides.Where(ClusterSettings.IsClusterOverride));
            merged = ExperimentConfig.Load(experimentPath, overrides.Where(o => !ClusterSettings.IsClusterOverride(o)).ToArray());
            settings = ExperimentSettingsParser.Parse(merged);
            experiment = Experiment.Build(settings);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"fedactors: invalid configuration: {e.Message}");
            return Program.ExitInvalidInput;
        }
        if (checkpoint is not null && checkpoint.Round >= settings.Rounds)
        {
            Console.Error.WriteLine($"fedactors: --resume: cannot resume: the checkpoint is at round {checkpoint.Round} of {settings.Rounds}; the run had finished");
            return Program.ExitInvalidInput;
        }

        var resultsDirectory = coordinator ? outputDirectory ?? Path.Combine("results", settings.Name) : null;
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(
                standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose,
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}");
        if (resultsDirectory is not null)
        {
            Directory.CreateDirectory(resultsDirectory);
            logger = logger.WriteTo.File(Path.Combine(resultsDirectory, "run.log"),
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {SourceContext} {Message:lj}{NewLine}{Exception}");
        }
        Log.Logger = logger.CreateLogger();
        var system = ActorSystem.Create("fedactors",
            ClusterNode.ActorSystemConfig(merged, clusterConfig, roles.Distinct().ToArray(), hostname, port, seedNodes));
        try
        {
            if (seedNodes.Count == 0)
                Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress);
            var fingerprint = ClusterNode.Fingerprint(merged, settings);
            Log.Information("Node {Address} ({Roles}) up, experiment {Name} ({Fingerprint})",
                Akka.Cluster.Cluster.Get(system).SelfAddress, string.Join(", ", roles), settings.Name, fingerprint);
            return coordinator
                ? RunCoordinator(system, experiment, merged, cluster, fingerprint, resultsDirectory!, hostsWorkers, checkpoint)
                : RunNode(system, experiment, cluster, fingerprint, roles);
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(30));
            Log.CloseAndFlush();
        }
    }

    private static int RunCoordinator(ActorSystem system, Experiment experiment, Akka.Configuration.Config merged, ClusterSettings cluster,
        string fingerprint, string resultsDirectory, bool hostsWorkers, RunCheckpoint? resumeFrom)
    {
        var settings = experiment.Settings;
        File.WriteAllText(Path.Combine(resultsDirectory, "config.conf"), ResultsWriter.ResolvedConfig(merged, settings));
        Log.Information("Running {Name} on the cluster: {Workers} workers ({Byzantine} Byzantine, attack {Attack}), rule {Rule}, {Rounds} rounds, "
            + "once {Members} members are Up -> {Results}", settings.Name, settings.Workers, settings.Byzantine, settings.Attack.Name,
            settings.Aggregator.Rule, settings.Rounds, cluster.MinMembers, Path.GetFullPath(resultsDirectory));
        if (resumeFrom is not null)
            Log.Information("Resuming after round {Round} from {Checkpoint}", resumeFrom.Round, RunCheckpoint.FileName);
        var clock = Stopwatch.StartNew();
        var progress = new ProgressLine(settings.Rounds, Console.Out);
        var outcome = ClusterNode.RunCoordinatorAsync(system, experiment, cluster, fingerprint, resultsDirectory, hostsWorkers, progress.Report,
            resumeFrom: resumeFrom).GetAwaiter().GetResult();
        clock.Stop();
        ResultsWriter.WriteSummary(Path.Combine(resultsDirectory, "summary.json"), settings, experiment.ByzantineIds, outcome,
            clock.Elapsed.TotalSeconds, "fedactors " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
        if (!outcome.Succeeded)
        {
            Log.Error("Run failed in round {Round}: {Reason}", outcome.Failed!.Round, outcome.Failed.Reason);
            return Program.ExitRunFailed;
        }
        Log.Information("Done in {Seconds:F1} s; results in {Results}", clock.Elapsed.TotalSeconds, Path.GetFullPath(resultsDirectory));
        return Program.ExitOk;
    }

    private static int RunNode(ActorSystem system, Experiment experiment, ClusterSettings cluster, string fingerprint, IReadOnlyList<string> roles)
    {
        var ended = ClusterNode.RunNodeAsync(system, experiment, cluster, fingerprint, roles.Distinct().ToArray()).GetAwaiter().GetResult();
        if (ended.RunFinished)
        {
            Log.Information("Node ({Roles}) done: {Detail}", string.Join(", ", roles.Distinct()), ended.Detail);
            return Program.ExitOk;
        }
        Log.Error("Node ({Roles}) stopped: {Detail}", string.Join(", ", roles.Distinct()), ended.Detail);
        return Program.ExitRunFailed;
    }
}
