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
        var experiment = new Argument<FileInfo>("experiment") { Description = "Experiment file (HOCON), e.g. hocon/experiments/quickstart.conf" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Results folder (default: results/<fedactors.name>)" };
        var overrides = new Option<string[]>("--set")
        {
            Description = "Override one key, e.g. --set fedactors.aggregator.rule=mean (repeatable; the last one wins)",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var run = new Command("run", "Run one experiment and write metrics.csv, config.conf and summary.json") { experiment, output, overrides };
        run.SetAction(parsed => RunCommand.Execute(
            parsed.GetValue(experiment)!.FullName,
            parsed.GetValue(output)?.FullName,
            parsed.GetValue(overrides) ?? [],
            "fedactors " + string.Join(' ', args.Select(QuoteArgument))));

        var root = new RootCommand("FedActors: federated learning under Byzantine attack, simulated with Akka.NET actors")
        {
            run,
            SweepCommand.Create(args),
            PlotCommand.Create(),
            AggregateCommand.Create(),
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
    public static int Execute(string experimentPath, string? outputDirectory, IReadOnlyList<string> overrides, string command)
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
        if (Console.IsOutputRedirected)
            onRound = new ProgressLine(settings.Rounds, Console.Out).Report;
        else
        {
            bar = new ProgressBar(Console.Out, settings.Rounds);
            onRound = m => bar.Report(m.Round);
        }
        var result = FolderRun.Execute(merged, settings, experiment, resultsDirectory, command, onRound, LogEventLevel.Verbose,
            () => bar?.Finish());
        return result.Outcome.Succeeded ? Program.ExitOk : Program.ExitRunFailed;
    }
}
