using System.Globalization;
using System.Text;
using System.Text.Json;
using FedActors.Host.Running;

namespace FedActors.Host.Sweeps;

/// <summary>What the table says about one rule x attack x fraction over its seeds.</summary>
/// <param name="ByzantineFraction">As written in folder names (<see cref="SweepDefinition.FractionText"/>).</param>
/// <param name="Failed">Runs that ended with RunFailed, or left no summary.json.</param>
/// <param name="Diverged">Completed runs that diverged (<see cref="SweepRunResult.Diverged"/>).</param>
/// <param name="Final">Mean and 95% t-interval of the last value of <see cref="Metric"/>, over the completed runs that did
/// not diverge; null when there is none.</param>
/// <param name="FinalTrainLoss">Mean of the last train_loss over the same runs.</param>
public sealed record SweepRow(
    string Rule,
    string Attack,
    string ByzantineFraction,
    int ByzantineWorkers,
    int Seeds,
    int Failed,
    int Diverged,
    string Metric,
    MeanInterval? Final,
    double? FinalTrainLoss);

/// <summary>One finished run of a sweep as found on disk.</summary>
public sealed record SweepRunResult(bool Completed, IReadOnlyList<MetricsRow> Rows)
{
    /// <summary>
    /// How far above its first round's train loss a run must end to count as diverged although its loss stayed finite.
    /// An attack that turns the mean into gradient ascent on a softmax model drives the loss up roughly linearly in
    /// the weights, so it can grow for ever without overflowing (the quick Fashion-MNIST run under the scaled attack
    /// ends near 6 500 from 2.3); a run that learns ends below its start, and one that is merely stuck ends near it.
    /// </summary>
    public const double DivergedLossFactor = 10;

    /// <summary>
    /// A completed run whose train_loss became NaN or infinite in some round, or ended more than
    /// <see cref="DivergedLossFactor"/> times above its first round's (positive) value.
    /// </summary>
    public bool Diverged => Completed && Rows.Count > 0
        && (Rows.Any(row => !double.IsFinite(row.TrainLoss))
            || (Rows[0].TrainLoss > 0 && Rows[^1].TrainLoss > DivergedLossFactor * Rows[0].TrainLoss));

    public double? FinalValue(string metric) =>
        Rows.Select(row => SweepTable.ValueOf(row, metric)).LastOrDefault(value => value is not null);

    /// <summary>Reads summary.json's status and metrics.csv; a folder missing either counts as a failed run.</summary>
    public static SweepRunResult Read(string runDirectory)
    {
        var metrics = Path.Combine(runDirectory, MetricsFile.FileName);
        var rows = File.Exists(metrics) ? MetricsFile.Read(metrics) : [];
        var summary = Path.Combine(runDirectory, "summary.json");
        var completed = false;
        if (File.Exists(summary))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(summary));
            completed = json.RootElement.TryGetProperty("status", out var status) && status.GetString() == "completed";
        }
        return new SweepRunResult(completed, rows);
    }
}

/// <summary>
/// The sweep's results table, computed from the runs' files on disk (never from the runs in memory), so the table
/// depends only on what the runs wrote, not on the order they finished in, and can be recomputed later.
/// </summary>
public static class SweepTable
{
    public const string TestAccuracy = "test_accuracy";
    public const string ParamError = "param_error";

    public static readonly string CsvHeader =
        "rule,attack,byzantine_fraction,byzantine_workers,seeds,failed,diverged,metric,runs_in_mean,final_mean,ci95_low,ci95_high,final_train_loss_mean";

    public static double? ValueOf(MetricsRow row, string metric) => metric == TestAccuracy ? row.TestAccuracy : row.ParamError;

    /// <summary>The table of a sweep that has run: one row per rule x attack x fraction, in the plan's order.</summary>
    public static IReadOnlyList<SweepRow> Compute(SweepPlan plan, string sweepDirectory)
    {
        var runs = plan.Cells.ToDictionary(cell => cell.Label, cell =>
            SweepRunResult.Read(Path.Combine(sweepDirectory, SweepLayout.Runs, cell.Label)));
        // Classification tasks report test accuracy; regression has none, and param_error is its measure of success.
        var metric = runs.Values.Any(run => run.Rows.Any(row => row.TestAccuracy is not null)) ? TestAccuracy : ParamError;
        return plan.Cells
            .GroupBy(cell => (cell.Rule, cell.Attack, cell.FractionText))
            .Select(group => Summarise(group.Key.Rule, group.Key.Attack, group.Key.FractionText, group.First().ByzantineWorkers,
                group.Select(cell => runs[cell.Label]).ToArray(), metric))
            .ToArray();
    }

    public static SweepRow Summarise(string rule, string attack, string fraction, int byzantineWorkers,
        IReadOnlyList<SweepRunResult> runs, string metric)
    {
        var kept = runs.Where(run => run.Completed && !run.Diverged && run.FinalValue(metric) is { } v && double.IsFinite(v)).ToArray();
        MeanInterval? final = kept.Length == 0 ? null : TInterval.Of(kept.Select(run => run.FinalValue(metric)!.Value).ToArray());
        double? trainLoss = kept.Length == 0 ? null : kept.Average(run => run.Rows[^1].TrainLoss);
        return new SweepRow(rule, attack, fraction, byzantineWorkers, runs.Count, runs.Count(run => !run.Completed),
            runs.Count(run => run.Diverged), metric, final, trainLoss);
    }

    public static string ToCsv(IEnumerable<SweepRow> rows)
    {
        static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder().Append(CsvHeader).Append('\n');
        foreach (var row in rows)
        {
            text.AppendJoin(',', row.Rule, row.Attack, row.ByzantineFraction, Count(row.ByzantineWorkers), Count(row.Seeds),
                Count(row.Failed), Count(row.Diverged), row.Metric, Count(row.Final?.Count ?? 0), Number(row.Final?.Mean),
                Number(row.Final?.Low), Number(row.Final?.High), Number(row.FinalTrainLoss)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Reads table.csv back; throws <see cref="InvalidDataException"/> naming the file and line at fault.</summary>
    public static IReadOnlyList<SweepRow> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path).Where(line => line.Length > 0).ToArray();
        if (lines.Length == 0 || lines[0] != CsvHeader)
            throw new InvalidDataException($"{path}: expected the header '{CsvHeader}'");
        var rows = new List<SweepRow>();
        for (var i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            if (f.Length != 13)
                throw new InvalidDataException($"{path}, line {i + 1}: {f.Length} fields, expected 13");
            int Count(int column) => int.TryParse(f[column], NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new InvalidDataException($"{path}, line {i + 1}: field {column + 1} is '{f[column]}', not a count");
            double? Number(int column) => f[column].Length == 0 ? null
                : double.TryParse(f[column], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                : throw new InvalidDataException($"{path}, line {i + 1}: field {column + 1} is '{f[column]}', not a number");
            var inMean = Count(8);
            MeanInterval? final = Number(9) is { } mean ? new MeanInterval(mean, Number(10) ?? mean, Number(11) ?? mean, inMean) : null;
            rows.Add(new SweepRow(f[0], f[1], f[2], Count(3), Count(4), Count(5), Count(6), f[7], final, Number(12)));
        }
        return rows;
    }

    /// <summary>
    /// One markdown table per Byzantine fraction, rules down and attacks across, each cell the final value as
    /// "mean ± half-width" of the 95% t-interval (accuracy in percent).
    /// </summary>
    public static string ToMarkdown(IReadOnlyList<SweepRow> rows, string title)
    {
        var text = new StringBuilder();
        text.Append("# ").AppendLine(title).AppendLine();
        var metric = rows.Count > 0 ? rows[0].Metric : TestAccuracy;
        text.AppendLine(metric == TestAccuracy
            ? "Final test accuracy (%), the last measured value of each run,"
            : "Final param_error (the distance ||theta - theta*|| to the true parameters; the task is a regression, which has no test accuracy),");
        text.AppendLine("as mean ± half-width of the 95% Student's t interval over the seeds (± 0 with one seed). \"diverged (k of n)\": the");
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"train loss became NaN or infinite, or ended more than {SweepRunResult.DivergedLossFactor:G} times above its first round's, in k of the cell's n runs;"));
        text.AppendLine("\"failed\": the run ended with an error (see its run.log).");
        var rules = rows.Select(row => row.Rule).Distinct().ToArray();
        var attacks = rows.Select(row => row.Attack).Distinct().ToArray();
        foreach (var fraction in rows.GroupBy(row => row.ByzantineFraction))
        {
            var first = fraction.First();
            var workers = first.ByzantineWorkers.ToString(CultureInfo.InvariantCulture);
            text.AppendLine().Append("## Byzantine fraction ").Append(fraction.Key).Append(" (").Append(workers)
                .AppendLine(first.ByzantineWorkers == 1 ? " Byzantine worker)" : " Byzantine workers)").AppendLine();
            text.Append("| rule \\ attack |").AppendJoin("", attacks.Select(a => $" {a} |")).AppendLine();
            text.Append("|---|").AppendJoin("", attacks.Select(_ => "---|")).AppendLine();
            foreach (var rule in rules)
            {
                text.Append("| ").Append(rule).Append(" |");
                foreach (var attack in attacks)
                {
                    var row = fraction.FirstOrDefault(r => r.Rule == rule && r.Attack == attack);
                    text.Append(' ').Append(row is null ? "" : CellText(row)).Append(" |");
                }
                text.AppendLine();
            }
        }
        return text.ToString();
    }

    public static string CellText(SweepRow row)
    {
        if (row.Diverged > 0)
            return $"diverged ({row.Diverged} of {row.Seeds})";
        if (row.Final is not { } final)
            return $"failed ({row.Failed} of {row.Seeds})";
        var value = row.Metric == TestAccuracy
            ? string.Create(CultureInfo.InvariantCulture, $"{100 * final.Mean:F1} ± {100 * final.HalfWidth:F1}")
            : string.Create(CultureInfo.InvariantCulture, $"{final.Mean:G4} ± {final.HalfWidth:G2}");
        return row.Failed > 0 ? $"{value} ({row.Failed} of {row.Seeds} failed)" : value;
    }
}
