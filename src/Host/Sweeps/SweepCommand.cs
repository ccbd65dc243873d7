using System.CommandLine;
using System.Globalization;
using FedActors.Actors;
using FedActors.Host.Configuration;
using FedActors.Host.Plotting;
using FedActors.Host.Running;
using Serilog.Events;

namespace FedActors.Host.Sweeps;

/// <summary>
/// The sweep command: rules x attacks x Byzantine fractions x seeds over one experiment. Every cell is validated before
/// the first runs; the cells then run one after another in this process, each into runs/RULE/ATTACK/byz-F/seed-S/ as
/// <c>fedactors run --out</c> would write it; then table.csv, table.md and the plots are made from those files.
/// </summary>
public static class SweepCommand
{
    public static Command Create(string[] args)
    {
        var sweepFile = new Argument<FileInfo>("sweep") { Description = "Sweep file (HOCON), e.g. hocon/experiments/sweep-example.conf" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Sweep folder (default: results/<sweep file name>)" };
        var keepFinished = new Option<bool>("--keep-finished")
        {
            Description = "Keep every cell whose folder already holds a completed run of the same resolved configuration, and run only "
                + "the others (add seeds or rules to the sweep file and run it again into the same folder). Runs are "
                + "deterministic, so a kept run is the one this code would produce, unless the code changed since.",
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Override an experiment key in every run, after the sweep file's own set (repeatable), e.g. "
                + "--set fedactors.rounds=5 for a quick trial of a sweep",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("sweep", "Run an experiment over a grid of rules x attacks x Byzantine fractions x seeds; write table.csv, table.md and plots")
        {
            sweepFile, output, keepFinished, set,
        };
        command.SetAction(parsed => Execute(
            parsed.GetValue(sweepFile)!.FullName,
            parsed.GetValue(output)?.FullName,
            Console.Out,
            Console.Error,
            interactive: !Console.IsOutputRedirected,
            "fedactors " + string.Join(' ', args.Select(Program.QuoteArgument)),
            parsed.GetValue(keepFinished),
            parsed.GetValue(set) ?? []));
        return command;
    }

    /// <param name="interactive">Draw a progress bar on <paramref name="output"/> instead of one line per finished cell.</param>
    /// <param name="keepFinished">Skip the cells that <see cref="IsFinished"/> finds already run.</param>
    /// <returns><see cref="Program.ExitOk"/>; <see cref="Program.ExitRunFailed"/> when a run failed (the table records it);
    /// <see cref="Program.ExitInvalidInput"/> when the sweep file or a cell is invalid, before anything runs.</returns>
    /// <param name="extraSet">The command line's <c>--set</c> overrides, applied after the sweep file's <c>set</c>.</param>
    public static int Execute(string sweepPath, string? outputDirectory, TextWriter output, TextWriter error, bool interactive, string command,
        bool keepFinished = false, IReadOnlyList<string>? extraSet = null)
    {
        SweepPlan plan;
        try
        {
            var definition = SweepDefinition.Load(sweepPath);
            plan = SweepPlan.Create(definition.WithExtraSet(extraSet ?? []));
        }
        catch (ConfigException e)
        {
            error.WriteLine($"fedactors sweep: invalid sweep: {e.Message}");
            return Program.ExitInvalidInput;
        }

        var directory = Path.GetFullPath(outputDirectory ?? Path.Combine("results", Path.GetFileNameWithoutExtension(sweepPath)));
        Directory.CreateDirectory(directory);
        File.Copy(sweepPath, Path.Combine(directory, "sweep.conf"), overwrite: true);

        var cells = plan.Cells;
        // Decided before the first run, so the progress bar counts only the rounds still to run.
        var kept = cells.Select(cell => keepFinished && IsFinished(Path.Combine(directory, SweepLayout.Runs, cell.Label), cell)).ToArray();
        var bar = interactive ? new ProgressBar(output, cells.Where((_, k) => !kept[k]).Sum(cell => cell.Settings.Rounds)) : null;
        var failed = 0;
        for (var k = 0; k < cells.Count; k++)
        {
            var cell = cells[k];
            var runDirectory = Path.Combine(directory, SweepLayout.Runs, cell.Label);
            if (kept[k])
            {
                if (bar is null)
                    output.WriteLine($"cell {k + 1}/{cells.Count} {cell.Label}: kept (a completed run of the same configuration)");
                continue;
            }
            bar?.StartCell(k + 1, cells.Count, cell.Label, cell.Settings.Rounds);
            RoundMetrics? last = null;
            string status;
            try
            {
                var experiment = Experiment.Build(cell.Settings);
                var result = FolderRun.Execute(cell.Merged, cell.Settings, experiment, runDirectory, RunCommandOf(plan, cell, runDirectory),
                    m =>
                    {
                        last = m;
                        bar?.Report(m.Round);
                    },
                    LogEventLevel.Warning);
                status = result.Outcome.Succeeded
                    ? string.Create(CultureInfo.InvariantCulture, $"completed in {result.WallSeconds:F1} s")
                    : $"failed in round {result.Outcome.Failed!.Round}: {result.Outcome.Failed.Reason}";
                if (!result.Outcome.Succeeded)
                    failed++;
            }
            catch (ConfigException e)
            {
                // Settings passed validation up front; what Build refuses is the run's failure, not the sweep's.
                failed++;
                status = $"failed: {e.Message}";
            }
            if (bar is null)
                output.WriteLine($"cell {k + 1}/{cells.Count} {cell.Label}: {FinalText(last)}, {status}");
        }
        bar?.Finish();

        var rows = SweepTable.Compute(plan, directory);
        File.WriteAllText(Path.Combine(directory, SweepLayout.TableCsv), SweepTable.ToCsv(rows));
        var markdown = SweepTable.ToMarkdown(rows, $"Sweep {Path.GetFileName(sweepPath)} over {Path.GetFileName(plan.Definition.ExperimentPath)}");
        File.WriteAllText(Path.Combine(directory, SweepLayout.TableMarkdown), markdown);
        ResultPlots.DrawSweep(directory);
        if (!ResultPlots.FontsAvailable)
            error.WriteLine($"fedactors sweep: {ResultPlots.NoFontsWarning}");

        output.WriteLine();
        output.Write(markdown);
        output.WriteLine();
        output.WriteLine($"wrote {Path.Combine(directory, SweepLayout.TableCsv)}, {SweepLayout.TableMarkdown} and {SweepLayout.Plots}/ ({command})");
        if (failed > 0)
        {
            error.WriteLine($"fedactors sweep: {failed} of {cells.Count} runs failed; see their run.log");
            return Program.ExitRunFailed;
        }
        return Program.ExitOk;
    }

    /// <summary>
    /// The cell's folder holds a run that completed (summary.json says so) with exactly the configuration the cell
    /// resolves to now (config.conf, which records every key and the derived seeds). A failed or interrupted run, or
    /// one of an edited experiment file, is run again.
    /// </summary>
    internal static bool IsFinished(string runDirectory, SweepCell cell)
    {
        var summaryPath = Path.Combine(runDirectory, "summary.json");
        var configPath = Path.Combine(runDirectory, "config.conf");
        if (!File.Exists(summaryPath) || !File.Exists(configPath))
            return false;
        try
        {
            using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(summaryPath));
            return summary.RootElement.TryGetProperty("status", out var status)
                && status.ValueKind == System.Text.Json.JsonValueKind.String
                && status.GetString() == "completed"
                && File.ReadAllText(configPath) == ResultsWriter.ResolvedConfig(cell.Merged, cell.Settings);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string FinalText(RoundMetrics? last)
    {
        if (last is null)
            return "no round finished";
        if (!double.IsFinite(last.TrainLoss))
            return "train_loss not finite (diverged)";
        if (last.TestAccuracy is { } accuracy)
            return string.Create(CultureInfo.InvariantCulture, $"test_accuracy {accuracy:P2}");
        if (last.ParamError is { } error)
            return string.Create(CultureInfo.InvariantCulture, $"param_error {error:G5}");
        return string.Create(CultureInfo.InvariantCulture, $"train_loss {last.TrainLoss:G5}");
    }

    /// <summary>The run command that repeats this cell on its own, written to its summary.json.</summary>
    private static string RunCommandOf(SweepPlan plan, SweepCell cell, string runDirectory) =>
        string.Join(' ', new[] { "fedactors", "run", plan.Definition.ExperimentPath, "--out", runDirectory }
            .Concat(cell.Overrides.SelectMany(set => new[] { "--set", set }))
            .Select(Program.QuoteArgument));
}
