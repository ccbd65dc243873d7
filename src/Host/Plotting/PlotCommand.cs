using System.CommandLine;
using System.Text.Json;
using FedActors.Host.Running;
using FedActors.Host.Sweeps;

namespace FedActors.Host.Plotting;

/// <summary>The plot command: redraws the PNGs of a finished run or sweep from its files, without running anything.</summary>
public static class PlotCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("results") { Description = "A run's results folder (holds metrics.csv) or a sweep's (holds table.csv and runs/)" };
        var command = new Command("plot", "Redraw the plots of a finished run or sweep into its plots/ folder") { folder };
        command.SetAction(parsed => Execute(parsed.GetValue(folder)!.FullName, parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error));
        return command;
    }

    public static int Execute(string directory, TextWriter output, TextWriter error)
    {
        var isSweep = File.Exists(Path.Combine(directory, SweepLayout.TableCsv)) && Directory.Exists(Path.Combine(directory, SweepLayout.Runs));
        var isRun = File.Exists(Path.Combine(directory, MetricsFile.FileName));
        if (!isSweep && !isRun)
        {
            error.WriteLine($"fedactors plot: {directory} is neither a run's results folder (no {MetricsFile.FileName}) " +
                $"nor a sweep's (no {SweepLayout.TableCsv} beside a {SweepLayout.Runs}/ folder)");
            return Program.ExitInvalidInput;
        }
        IReadOnlyList<string> written;
        try
        {
            written = isSweep ? ResultPlots.DrawSweep(directory) : ResultPlots.DrawRun(directory);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException)
        {
            error.WriteLine($"fedactors plot: {e.Message}");
            return Program.ExitInvalidInput;
        }
        if (!ResultPlots.FontsAvailable)
            error.WriteLine($"fedactors plot: {ResultPlots.NoFontsWarning}");
        foreach (var file in written)
            output.WriteLine($"wrote {file}");
        return Program.ExitOk;
    }
}
