using System.CommandLine;
using System.Diagnostics;
using FedActors.Host.Configuration;
using FedActors.Host.Running;
using Serilog;

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
            AggregateCommand.Create(),
            Cluster.NodeCommand.Create(),
        };
        var parsed = root.Parse(args);
        var exit = parsed.Invoke(configuration ?? new InvocationConfiguration());
        // System.CommandLine reports a usage error (missing option, a word where a number goes) with exit code 1,
        // which the commands keep for a failed run.
        return parsed.Errors.Count > 0 ? ExitInvalidInput : exit;
    }

    private static string QuoteArgument(string argument) =>
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
        Directory.CreateDirectory(resultsDirectory);
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(
                standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose,
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            .WriteTo.File(Path.Combine(resultsDirectory, "run.log"),
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {SourceContext} {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        try
        {
            File.WriteAllText(Path.Combine(resultsDirectory, "config.conf"), ResultsWriter.ResolvedConfig(merged, settings));
            Log.Information("Running {Name}: {Workers} workers ({Byzantine} Byzantine, attack {Attack}), rule {Rule} with f = {F}, {Rounds} rounds -> {Results}",
                settings.Name, settings.Workers, settings.Byzantine, settings.Attack.Name, settings.Aggregator.Rule,
                settings.Aggregator.F, settings.Rounds, Path.GetFullPath(resultsDirectory));

            var clock = Stopwatch.StartNew();
            var progress = new ProgressLine(settings.Rounds, Console.Out);
            var outcome = SimulationRunner.RunAsync(experiment, merged.WithFallback(ExperimentConfig.AkkaDefaults),
                resultsDirectory, progress.Report).GetAwaiter().GetResult();
            clock.Stop();

            ResultsWriter.WriteSummary(Path.Combine(resultsDirectory, "summary.json"), settings, experiment.ByzantineIds, outcome,
                clock.Elapsed.TotalSeconds, command);
            if (!outcome.Succeeded)
            {
                Log.Error("Run failed in round {Round}: {Reason}", outcome.Failed!.Round, outcome.Failed.Reason);
                return Program.ExitRunFailed;
            }
            Log.Information("Done in {Seconds:F1} s; results in {Results}", clock.Elapsed.TotalSeconds, Path.GetFullPath(resultsDirectory));
            return Program.ExitOk;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }
}
