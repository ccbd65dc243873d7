using System.Diagnostics;
using Akka.Configuration;
using FedActors.Actors;
using FedActors.Host.Configuration;
using Serilog;
using Serilog.Events;

namespace FedActors.Host.Running;

/// <summary>How a run into a results folder ended, and how long it took.</summary>
public sealed record FolderRunResult(RunOutcome Outcome, double WallSeconds);

/// <summary>
/// One validated experiment run into a results folder: config.conf, metrics.csv, summary.json and run.log, the files
/// <c>fedactors run --out</c> writes. The run and sweep commands both go through here, so a sweep's runs are exactly
/// what the run command would have written.
/// </summary>
public static class FolderRun
{
    /// <param name="consoleLevel">The lowest level logged to standard error; everything from Information goes to run.log.</param>
    /// <param name="onRunEnded">Called when the last round is done, before the closing log line (the progress bar ends its line).</param>
    public static FolderRunResult Execute(Config merged, ExperimentSettings settings, Experiment experiment, string resultsDirectory,
        string command, Action<RoundMetrics> onRound, LogEventLevel consoleLevel, Action? onRunEnded = null,
        Actors.Checkpoints.RunCheckpoint? resumeFrom = null)
    {
        Directory.CreateDirectory(resultsDirectory);
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(
                restrictedToMinimumLevel: consoleLevel,
                standardErrorFromLevel: LogEventLevel.Verbose,
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

            if (resumeFrom is not null)
                Log.Information("Resuming after round {Round} from {Checkpoint}", resumeFrom.Round, Actors.Checkpoints.RunCheckpoint.FileName);
            var clock = Stopwatch.StartNew();
            var outcome = SimulationRunner.RunAsync(experiment, merged.WithFallback(ExperimentConfig.AkkaDefaults),
                resultsDirectory, onRound, resumeFrom: resumeFrom).GetAwaiter().GetResult();
            clock.Stop();
            onRunEnded?.Invoke();

            ResultsWriter.WriteSummary(Path.Combine(resultsDirectory, "summary.json"), settings, experiment.ByzantineIds, outcome,
                clock.Elapsed.TotalSeconds, command);
            if (outcome.Succeeded)
                Log.Information("Done in {Seconds:F1} s; results in {Results}", clock.Elapsed.TotalSeconds, Path.GetFullPath(resultsDirectory));
            else
                Log.Error("Run failed in round {Round}: {Reason}", outcome.Failed!.Round, outcome.Failed.Reason);
            return new FolderRunResult(outcome, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }
}
