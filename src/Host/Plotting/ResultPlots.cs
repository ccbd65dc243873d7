using System.Globalization;
using FedActors.Host.Running;
using FedActors.Host.Sweeps;
using ScottPlot;

namespace FedActors.Host.Plotting;

/// <summary>
/// Draws the PNG plots of a run folder or of a sweep folder from the files on disk (metrics.csv, table.csv), so the
/// plots of a finished run can be redrawn at any time without running anything.
/// </summary>
public static class ResultPlots
{
    private const int Width = 800;

    /// <summary>
    /// Whether Skia finds any font. Without one (a bare container) the PNGs are still written, with lines and colours
    /// but no text; the commands then say so rather than leave the user wondering where the labels went.
    /// </summary>
    public static bool FontsAvailable => SkiaSharp.SKFontManager.Default.FontFamilies.Any();

    public const string NoFontsWarning = "no fonts found: the plots are drawn without text (on Debian: apt-get install fonts-dejavu-core)";
    private const int Height = 500;

    /// <summary>loss.png and, when the run measured one, test-accuracy.png or param-error.png in RUN/plots/.</summary>
    public static IReadOnlyList<string> DrawRun(string runDirectory)
    {
        var rows = MetricsFile.Read(Path.Combine(runDirectory, MetricsFile.FileName));
        var plots = Directory.CreateDirectory(Path.Combine(runDirectory, SweepLayout.Plots)).FullName;
        var written = new List<string>();
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runDirectory)));

        written.Add(Curves(Path.Combine(plots, "loss.png"), $"{name}: train loss", "train loss",
            [("train_loss", Points(rows, row => row.TrainLoss), true)]));
        foreach (var metric in new[] { SweepTable.TestAccuracy, SweepTable.ParamError })
        {
            var points = Points(rows, row => SweepTable.ValueOf(row, metric));
            if (points.Count > 0)
                written.Add(Curves(Path.Combine(plots, FileStem(metric) + ".png"), $"{name}: {metric}", metric, [(metric, points, true)]));
        }
        return written;
    }

    /// <summary>
    /// For each row of table.csv, the metric against round: every seed's run faint, their mean bold (mean over the
    /// seeds with a finite value at that round); and per Byzantine fraction a rule x attack heatmap of the final value.
    /// </summary>
    public static IReadOnlyList<string> DrawSweep(string sweepDirectory)
    {
        var rows = SweepTable.ReadCsv(Path.Combine(sweepDirectory, SweepLayout.TableCsv));
        var plots = Directory.CreateDirectory(Path.Combine(sweepDirectory, SweepLayout.Plots)).FullName;
        var written = new List<string>();
        foreach (var row in rows)
        {
            var cellFolder = Path.Combine(sweepDirectory, SweepLayout.Runs, SweepLayout.CellFolder(row.Rule, row.Attack, row.ByzantineFraction));
            var seeds = Directory.Exists(cellFolder)
                ? Directory.GetDirectories(cellFolder, "seed-*")
                    .Where(folder => File.Exists(Path.Combine(folder, MetricsFile.FileName)))
                    .Select(folder => (Seed: SeedOf(folder), Folder: folder))
                    .OrderBy(seed => seed.Seed)
                    .ToArray()
                : [];
            var series = new List<(string Label, IReadOnlyList<(double Round, double Value)> Points, bool Bold)>();
            var perSeed = seeds.Select(seed => (seed.Seed, Rows: MetricsFile.Read(Path.Combine(seed.Folder, MetricsFile.FileName)))).ToArray();
            foreach (var (seed, runRows) in perSeed)
                series.Add(($"seed {seed}", Points(runRows, r => SweepTable.ValueOf(r, row.Metric)), false));
            var mean = perSeed
                .SelectMany(run => run.Rows)
                .Select(r => (r.Round, Value: SweepTable.ValueOf(r, row.Metric)))
                .Where(p => p.Value is { } v && double.IsFinite(v))
                .GroupBy(p => p.Round)
                .OrderBy(g => g.Key)
                .Select(g => ((double)g.Key, g.Average(p => p.Value!.Value)))
                .ToArray();
            series.Add(($"mean of {perSeed.Length} seed(s)", mean, true));
            var file = $"{FileStem(row.Metric)}-{row.Rule}-{row.Attack}-byz-{row.ByzantineFraction}.png";
            written.Add(Curves(Path.Combine(plots, file),
                $"{row.Rule} vs {row.Attack}, Byzantine fraction {row.ByzantineFraction}", row.Metric, series));
        }
        foreach (var fraction in rows.GroupBy(row => row.ByzantineFraction))
            written.Add(Heatmap(Path.Combine(plots, $"heatmap-byz-{fraction.Key}.png"), fraction.ToArray()));
        return written;
    }

    /// <summary>The name plot files use for a metric: accuracy for test_accuracy, param-error for param_error.</summary>
    public static string FileStem(string metric) => metric == SweepTable.TestAccuracy ? "accuracy" : "param-error";

    private static ulong SeedOf(string folder) =>
        ulong.TryParse(Path.GetFileName(folder)["seed-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : 0;

    /// <summary>Only finite values are drawn: a diverged run's curve stops where its values stop being numbers.</summary>
    private static List<(double Round, double Value)> Points(IEnumerable<MetricsRow> rows, Func<MetricsRow, double?> value) =>
        rows.Select(row => (Round: (double)row.Round, Value: value(row)))
            .Where(p => p.Value is { } v && double.IsFinite(v))
            .Select(p => (p.Round, p.Value!.Value))
            .ToList();

    private static string Curves(string path, string title, string yLabel,
        IReadOnlyList<(string Label, IReadOnlyList<(double Round, double Value)> Points, bool Bold)> series)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        // ScottPlot shows a legend as soon as one line has a label; a lone line needs none.
        var labelled = series.Count(s => s.Points.Count > 0) > 1;
        foreach (var (label, points, bold) in series)
        {
            var color = bold ? Colors.Black : palette.GetColor(index++);
            if (points.Count == 0)
                continue;
            var line = plot.Add.Scatter(points.Select(p => p.Round).ToArray(), points.Select(p => p.Value).ToArray());
            if (labelled)
                line.LegendText = label;
            line.Color = bold ? color : color.WithAlpha(0.6);
            line.LineWidth = bold ? 3 : 1;
            line.MarkerSize = points.Count == 1 ? 6 : 0;
        }
        if (series.All(s => s.Points.Count == 0))
            title += " (no finite values)";
        plot.Title(title);
        plot.XLabel("round");
        plot.YLabel(yLabel);
        // Accuracy rises and errors fall: keep the legend off the end of the curves.
        if (labelled)
            plot.ShowLegend(yLabel == SweepTable.TestAccuracy ? Alignment.LowerRight : Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string Heatmap(string path, IReadOnlyList<SweepRow> rows)
    {
        var rules = rows.Select(row => row.Rule).Distinct().ToArray();
        var attacks = rows.Select(row => row.Attack).Distinct().ToArray();
        var accuracy = rows[0].Metric == SweepTable.TestAccuracy;
        // Row 0 of the intensities is drawn at the top, so the first rule of the sweep file heads the picture.
        var values = new double[rules.Length, attacks.Length];
        var labels = new string[rules.Length, attacks.Length];
        for (var r = 0; r < rules.Length; r++)
        {
            for (var a = 0; a < attacks.Length; a++)
            {
                var row = rows.FirstOrDefault(x => x.Rule == rules[r] && x.Attack == attacks[a]);
                var usable = row is { Diverged: 0, Final: not null };
                values[r, a] = usable ? (accuracy ? 100 * row!.Final!.Value.Mean : row!.Final!.Value.Mean) : double.NaN;
                labels[r, a] = row is null ? "" : usable ? (accuracy
                        ? string.Create(CultureInfo.InvariantCulture, $"{values[r, a]:F1}")
                        : string.Create(CultureInfo.InvariantCulture, $"{values[r, a]:G3}"))
                    : row.Diverged > 0 ? "diverged" : "failed";
            }
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.Gray;
        heatmap.Position = new CoordinateRect(-0.5, attacks.Length - 0.5, -0.5, rules.Length - 0.5);
        // Added after the heatmap, so drawn over it.
        for (var r = 0; r < rules.Length; r++)
        {
            for (var a = 0; a < attacks.Length; a++)
            {
                var text = plot.Add.Text(labels[r, a], a, rules.Length - 1 - r);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 16;
                text.LabelBold = true;
                text.LabelFontColor = Colors.White;
                text.LabelBackgroundColor = Colors.Black.WithAlpha(0.35);
            }
        }
        plot.Add.ColorBar(heatmap).Label = accuracy ? "final test accuracy (%)" : "final param_error";

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, attacks.Length).Select(a => (double)a).ToArray(), attacks);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, rules.Length).Select(r => (double)(rules.Length - 1 - r)).ToArray(), rules);
        plot.Axes.SetLimits(-0.5, attacks.Length - 0.5, -0.5, rules.Length - 0.5);
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Final {(accuracy ? "test accuracy (%)" : "param_error")}, Byzantine fraction {rows[0].ByzantineFraction} ({rows[0].ByzantineWorkers} workers)"));
        plot.XLabel("attack");
        plot.YLabel("rule");
        plot.SavePng(path, Math.Max(Width, 160 * attacks.Length + 240), Math.Max(Height, 80 * rules.Length + 200));
        return path;
    }
}
