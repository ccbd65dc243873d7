using System.CommandLine;
using FedActors.Actors;
using FedActors.Host.Configuration;
using FedActors.Host.Plotting;
using FedActors.Host.Running;
using FedActors.Host.Sweeps;
using Serilog.Events;

namespace FedActors.Host;

public static class Program
{
    public const int ExitOk = 0;
    public const int ExitRunFailed = 1;
    public const int ExitInvalidInput = 2;

    public static int Main(string[] args) => Run(args);

    /// <summary>Parses and runs one command line; <paramref name="configuration"/> redirects the commands' output (tests).</summary>
    public static int Run(string[] args, InvocationConfiguration? configuration = null)
    {
        var experiment = new Argument<FileInfo?>("experiment")
        {
            Description = "Experiment file (HOCON), e.g. hocon/experiments/quickstart.conf",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var resume = new Option<DirectoryInfo?>("--resume")
        {
            Description = "Continue the stopped run in this results folder from its checkpoint.bin (no experiment, --out or --set)",
        };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Results folder (default: results/<fedactors.name>)" };
        var overrides = new Option<string[]>("--set")
        {
            Description = "Override one key, e.g. --set fedactors.aggregator.rule=mean (repeatable; the last one wins)",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var run = new Command("run", "Run one experiment and write metrics.csv, config.conf and summary.json")
        {
            experiment, output, overrides, resume,
        };
        run.SetAction(parsed =>
        {
            var command = "fedactors " + string.Join(' ', args.Select(QuoteArgument));
            if (parsed.GetValue(resume) is { } stopped)
            {
                if (parsed.GetValue(experiment) is not null || parsed.GetValue(output) is not null || (parsed.GetValue(overrides) ?? []).Length > 0)
                {
                    Console.Error.WriteLine("fedactors: --resume continues a run exactly as it was configured: give no experiment, --out or --set");
                    return ExitInvalidInput;
                }
                return RunCommand.Resume(stopped.FullName, command);
            }
            if (parsed.GetValue(experiment) is not { } file)
            {
                Console.Error.WriteLine("fedactors: run needs an experiment file (or --resume RESULTS_DIR)");
                return ExitInvalidInput;
            }
            return RunCommand.Execute(file.FullName, parsed.GetValue(output)?.FullName, parsed.GetValue(overrides) ?? [], command);
        });

        var root = new RootCommand("FedActors: federated learning under Byzantine attack, simulated with Akka.NET actors")
        {
            run,
            SweepCommand.Create(args),
            PlotCommand.Create(),
            AggregateCommand.Create(),
            Cluster.NodeCommand.Create(),
        };
        var parsed = root.Parse(args);
        var exit = parsed.Invoke(configuration ?? new InvocationConfiguration());
        // System.CommandLine reports a usage error (missing option, a word where a number goes) with exit code 1,
        // which the commands keep for a failed run.
        return parsed.Errors.Count > 0 ? ExitInvalidInput : exit;
    }

    internal static string QuoteArgument(string argument) =>
        argument.Length > 0 && argument.All(c => !char.IsWhiteSpace(c) && c is not ('"' or '\'' or '$' or '`' or '\\'))
            ? argument
            : "'" + argument.Replace("'", "'\\''") + "'";
}

/// <summary>The run command: validate everything, then start the actor system, then write the results folder.</summary>
public static class RunCommand
{
    /// <summary>Continues a stopped run from the checkpoint in its folder, with the configuration it wrote there.</summary>
    public static int Resume(string resultsDirectory, string command)
    {
        Actors.Checkpoints.RunCheckpoint checkpoint;
        try
        {
            checkpoint = Actors.Checkpoints.RunCheckpoint.Read(resultsDirectory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Console.Error.WriteLine($"fedactors: cannot resume: {e.Message}");
            return Program.ExitInvalidInput;
        }
        var config = Path.Combine(resultsDirectory, "config.conf");
        if (!File.Exists(config))
        {
            Console.Error.WriteLine($"fedactors: cannot resume: {config} is missing");
            return Program.ExitInvalidInput;
        }
        return Execute(config, resultsDirectory, [], command, checkpoint);
    }

    public static int Execute(string experimentPath, string? outputDirectory, IReadOnlyList<string> overrides, string command,
        Actors.Checkpoints.RunCheckpoint? resumeFrom = null)
    {
        Akka.Configuration.Config merged;
        ExperimentSettings settings;
        Experiment experiment;
        try
        {
            merged = ExperimentConfig.Load(experimentPath, overrides);
            settings = ExperimentSettingsParser.Parse(merged);
            experiment = Experiment.Build(settings);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"fedactors: invalid configuration: {e.Message}");
            return Program.ExitInvalidInput;
        }

        var resultsDirectory = outputDirectory ?? Path.Combine("results", settings.Name);
        Action<RoundMetrics> onRound;
        ProgressBar? bar = null;
        var lines = new ProgressLine(settings.Rounds, Console.Out);
        if (Console.IsOutputRedirected)
            onRound = lines.Report;
        else
        {
            bar = new ProgressBar(Console.Out, settings.Rounds);
            onRound = m => bar.Report(m, lines);
        }
        if (resumeFrom is not null && resumeFrom.Round >= settings.Rounds)
        {
            Console.Error.WriteLine($"fedactors: cannot resume: the checkpoint is at round {resumeFrom.Round} of {settings.Rounds}; the run had finished");
            return Program.ExitInvalidInput;
        }
        var result = FolderRun.Execute(merged, settings, experiment, resultsDirectory, command, onRound, LogEventLevel.Verbose,
            () => bar?.Finish(), resumeFrom);
        return result.Outcome.Succeeded ? Program.ExitOk : Program.ExitRunFailed;
    }
}
