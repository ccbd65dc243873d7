using System.Globalization;
using Akka.Configuration;
using FedActors.Host.Configuration;

namespace FedActors.Host.Sweeps;

/// <summary>One run of the grid, with its merged config and validated settings.</summary>
/// <param name="Overrides">Every <c>--set</c> of the run: the sweep's own, then the cell's four.</param>
public sealed record SweepCell(
    string Rule,
    string Attack,
    double ByzantineFraction,
    int ByzantineWorkers,
    ulong Seed,
    IReadOnlyList<string> Overrides,
    Config Merged,
    ExperimentSettings Settings)
{
    public string FractionText => SweepDefinition.FractionText(ByzantineFraction);

    /// <summary>The cell's folder under runs/, also how messages name the cell.</summary>
    public string Label => SweepLayout.RunFolder(Rule, Attack, FractionText, Seed);
}

/// <summary>
/// The grid of a sweep, in the order of the sweep file's lists (rules, then attacks, then fractions, then seeds), with
/// every cell's experiment loaded and validated. Creating the plan is where a sweep fails on bad input: nothing has
/// run or been written yet.
/// </summary>
public sealed class SweepPlan
{
    private SweepPlan(SweepDefinition definition, IReadOnlyList<SweepCell> cells)
    {
        Definition = definition;
        Cells = cells;
    }

    public SweepDefinition Definition { get; }
    public IReadOnlyList<SweepCell> Cells { get; }

    /// <summary>Throws <see cref="ConfigException"/> whose key path names the sweep key or the cell and key at fault.</summary>
    public static SweepPlan Create(SweepDefinition definition)
    {
        Config shared;
        try
        {
            shared = ExperimentConfig.Load(definition.ExperimentPath, definition.Set);
        }
        catch (ConfigException e)
        {
            // Errors of a --set name it in their text; anything else is the experiment file's.
            throw new ConfigException(e.Message.Contains("--set ", StringComparison.Ordinal) ? "sweep.set" : "sweep.experiment", e.Message);
        }
        var workers = new SettingsReader(shared).Int("fedactors.workers.count", min: 1);

        var cells = new List<SweepCell>();
        foreach (var rule in definition.Rules)
        foreach (var attack in definition.Attacks)
        foreach (var fraction in definition.ByzantineFractions)
        foreach (var seed in definition.Seeds)
        {
            var byzantine = ByzantineWorkers(fraction, workers);
            string[] overrides =
            [
                .. definition.Set,
                $"fedactors.aggregator.rule={rule}",
                $"fedactors.attack.name={attack}",
                $"fedactors.workers.byzantine={byzantine.ToString(CultureInfo.InvariantCulture)}",
                $"fedactors.seed.base={seed.ToString(CultureInfo.InvariantCulture)}",
            ];
            var label = SweepLayout.RunFolder(rule, attack, SweepDefinition.FractionText(fraction), seed);
            try
            {
                var merged = ExperimentConfig.Load(definition.ExperimentPath, overrides);
                var settings = ExperimentSettingsParser.Parse(merged);
                cells.Add(new SweepCell(rule, attack, fraction, byzantine, seed, overrides, merged, settings));
            }
            catch (ConfigException e)
            {
                throw new ConfigException($"cell {label} (byzantine fraction {SweepDefinition.FractionText(fraction)} = {byzantine} of {workers} workers)",
                    e.Message);
            }
        }
        return new SweepPlan(definition, cells);
    }

    /// <summary>round(fraction x workers), halves rounded up, so 0.25 of 10 workers is 3.</summary>
    public static int ByzantineWorkers(double fraction, int workers) =>
        (int)Math.Round(fraction * workers, MidpointRounding.AwayFromZero);
}

/// <summary>Where a sweep's files go; the plot command finds them by the same rules.</summary>
public static class SweepLayout
{
    public const string TableCsv = "table.csv";
    public const string TableMarkdown = "table.md";
    public const string Runs = "runs";
    public const string Plots = "plots";

    public static string RunFolder(string rule, string attack, string fraction, ulong seed) =>
        $"{CellFolder(rule, attack, fraction)}/seed-{seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The folder holding a cell's seed-* folders, relative to runs/.</summary>
    public static string CellFolder(string rule, string attack, string fraction) => $"{rule}/{attack}/byz-{fraction}";
}
