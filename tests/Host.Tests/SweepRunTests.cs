using System.Globalization;
using System.Text.Json;
using FedActors.Host.Plotting;
using FedActors.Host.Sweeps;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>
/// A tiny sweep end to end (2 rules x 2 attacks x 1 fraction x 2 seeds of a small classification task), then the plot
/// command on its folder and on one of its runs. The table is checked against values recomputed here from the runs'
/// metrics.csv, not through the code that wrote it.
/// </summary>
[Collection(SerilogStaticLoggerCollection.Name)]
public sealed class SweepRunTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // t(0.975, 1), from tables: the quantile a two-seed interval uses.
    private const double T975OneDegree = 12.7062047361747;

    private readonly string _folder = RepositoryFiles.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteSweep()
    {
        File.WriteAllText(Path.Combine(_folder, "tiny.conf"), """
            fedactors {
              name = tiny
              rounds = 6
              eval.every = 3
              workers.count = 10
              task {
                name = logistic-regression
                logistic-regression { dimension = 8, classes = 3, train-samples = 2000, test-samples = 300, separation = 1.0 }
              }
              training { batch-size = 16, learning-rate = 0.5 }
              aggregator.shards = 1
            }
            """);
        var sweep = Path.Combine(_folder, "sweep.conf");
        File.WriteAllText(sweep, """
            sweep {
              experiment = tiny.conf
              rules = [mean, median]
              attacks = [none, sign-flip]
              byzantine-fractions = [0.2]
              seeds = [5, 6]
              set = ["akka.loglevel = WARNING"]
            }
            """);
        return sweep;
    }

    private static string[] Fields(string line) => line.Split(',');

    private static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The last test_accuracy and the last train_loss of a run's metrics.csv, read with nothing but Split.</summary>
    private static (double Accuracy, double TrainLoss) Final(string runFolder)
    {
        var lines = File.ReadAllLines(Path.Combine(runFolder, "metrics.csv"));
        var header = Fields(lines[0]);
        var accuracy = Array.IndexOf(header, "test_accuracy");
        var loss = Array.IndexOf(header, "train_loss");
        var measured = lines.Skip(1).Select(Fields).Where(f => f[accuracy].Length > 0).ToArray();
        return (Parse(measured[^1][accuracy]), Parse(Fields(lines[^1])[loss]));
    }

    private static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
    }

    [Fact]
    public void A_sweep_writes_every_run_a_table_recomputable_from_them_and_plots_that_plot_redraws()
    {
        var results = Path.Combine(_folder, "out");
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = SweepCommand.Execute(WriteSweep(), results, output, error, interactive: false, "test");

        Assert.True(exit == Program.ExitOk, error.ToString());
        var cellLines = output.ToString().Split('\n').Where(line => line.StartsWith("cell ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(8, cellLines.Length);
        Assert.StartsWith("cell 1/8 mean/none/byz-0.2/seed-5: test_accuracy ", cellLines[0]);

        string[] rules = ["mean", "median"];
        string[] attacks = ["none", "sign-flip"];
        var table = File.ReadAllLines(Path.Combine(results, "table.csv"));
        var header = Fields(table[0]);
        int Column(string name) => Array.IndexOf(header, name);
        Assert.Equal(5, table.Length);
        var markdown = File.ReadAllText(Path.Combine(results, "table.md"));
        var line = 1;
        foreach (var rule in rules)
        {
            foreach (var attack in attacks)
            {
                var row = Fields(table[line++]);
                Assert.Equal((rule, attack, "0.2", "2"), (row[Column("rule")], row[Column("attack")], row[Column("byzantine_fraction")], row[Column("byzantine_workers")]));
                Assert.Equal(("2", "0", "0", "test_accuracy", "2"),
                    (row[Column("seeds")], row[Column("failed")], row[Column("diverged")], row[Column("metric")], row[Column("runs_in_mean")]));

                var runs = new[] { 5, 6 }.Select(seed => Path.Combine(results, "runs", rule, attack, "byz-0.2", $"seed-{seed}")).ToArray();
                foreach (var run in runs)
                {
                    foreach (var file in new[] { "metrics.csv", "config.conf", "summary.json", "run.log" })
                        Assert.True(File.Exists(Path.Combine(run, file)), $"{run} has no {file}");
                    using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
                    Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
                }
                var finals = runs.Select(Final).ToArray();
                var mean = (finals[0].Accuracy + finals[1].Accuracy) / 2;
                // Two values: s / sqrt(2) = |a - b| / 2.
                var half = T975OneDegree * Math.Abs(finals[0].Accuracy - finals[1].Accuracy) / 2;
                Assert.Equal(mean, Parse(row[Column("final_mean")]), 12);
                Assert.Equal(mean - half, Parse(row[Column("ci95_low")]), 9);
                Assert.Equal(mean + half, Parse(row[Column("ci95_high")]), 9);
                Assert.Equal((finals[0].TrainLoss + finals[1].TrainLoss) / 2, Parse(row[Column("final_train_loss_mean")]), 12);

                var cell = string.Create(CultureInfo.InvariantCulture, $"{100 * mean:F1} ± {100 * half:F1}");
                Assert.Matches($@"\| {rule} \|.*{System.Text.RegularExpressions.Regex.Escape(cell)}", markdown);
                AssertPng(Path.Combine(results, "plots", $"accuracy-{rule}-{attack}-byz-0.2.png"));
            }
        }
        Assert.Contains("## Byzantine fraction 0.2 (2 Byzantine workers)", markdown);
        Assert.Contains("| rule \\ attack | none | sign-flip |", markdown);
        AssertPng(Path.Combine(results, "plots", "heatmap-byz-0.2.png"));

        // plot redraws the sweep's plots from its files alone.
        Directory.Delete(Path.Combine(results, "plots"), recursive: true);
        var plotOutput = new StringWriter();
        Assert.Equal(Program.ExitOk, PlotCommand.Execute(results, plotOutput, TextWriter.Null));
        AssertPng(Path.Combine(results, "plots", "heatmap-byz-0.2.png"));
        AssertPng(Path.Combine(results, "plots", "accuracy-median-sign-flip-byz-0.2.png"));
        Assert.Equal(5, plotOutput.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // and a single run's: its loss and its accuracy.
        var oneRun = Path.Combine(results, "runs", "mean", "none", "byz-0.2", "seed-5");
        Assert.Equal(Program.ExitOk, PlotCommand.Execute(oneRun, TextWriter.Null, TextWriter.Null));
        AssertPng(Path.Combine(oneRun, "plots", "loss.png"));
        AssertPng(Path.Combine(oneRun, "plots", "accuracy.png"));
        Assert.False(File.Exists(Path.Combine(oneRun, "plots", "param-error.png")), "a classification run has no param_error to plot");
    }

    [Fact]
    public void Keep_finished_runs_only_the_new_seed_and_the_cell_whose_recorded_configuration_differs()
    {
        var results = Path.Combine(_folder, "out");
        var sweep = WriteSweep();
        Assert.Equal(Program.ExitOk, SweepCommand.Execute(sweep, results, TextWriter.Null, TextWriter.Null, interactive: false, "test"));
        var runs = Directory.GetDirectories(Path.Combine(results, "runs"), "seed-*", SearchOption.AllDirectories);
        Assert.Equal(8, runs.Length);
        var logs = runs.ToDictionary(run => run, run => File.ReadAllBytes(Path.Combine(run, "run.log")));
        var edited = Path.Combine(results, "runs", "median", "sign-flip", "byz-0.2", "seed-6");
        File.AppendAllText(Path.Combine(edited, "config.conf"), "# edited by hand\n");
        File.WriteAllText(sweep, File.ReadAllText(sweep).Replace("seeds = [5, 6]", "seeds = [5, 6, 7]", StringComparison.Ordinal));

        var output = new StringWriter();
        var error = new StringWriter();
        var exit = SweepCommand.Execute(sweep, results, output, error, interactive: false, "test", keepFinished: true);

        Assert.True(exit == Program.ExitOk, error.ToString());
        var lines = output.ToString().Split('\n').Where(line => line.StartsWith("cell ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(12, lines.Length);
        var ran = lines.Where(line => !line.Contains(": kept (", StringComparison.Ordinal)).Select(line => line.Split(' ')[2].TrimEnd(':')).ToArray();
        Assert.Equal(["mean/none/byz-0.2/seed-7", "mean/sign-flip/byz-0.2/seed-7", "median/none/byz-0.2/seed-7",
            "median/sign-flip/byz-0.2/seed-6", "median/sign-flip/byz-0.2/seed-7"], ran);
        foreach (var (run, log) in logs.Where(pair => pair.Key != edited))
            Assert.Equal(log, File.ReadAllBytes(Path.Combine(run, "run.log")));
        Assert.DoesNotContain("# edited by hand", File.ReadAllText(Path.Combine(edited, "config.conf")));
        var table = File.ReadAllLines(Path.Combine(results, "table.csv"));
        var seeds = Array.IndexOf(Fields(table[0]), "seeds");
        Assert.All(table.Skip(1), row => Assert.Equal("3", Fields(row)[seeds]));
    }

    [Fact]
    public void Set_on_the_command_line_overrides_every_run_after_the_sweeps_own_set_but_not_a_swept_key()
    {
        var sweep = WriteSweep();
        var results = Path.Combine(_folder, "short");

        var exit = SweepCommand.Execute(sweep, results, TextWriter.Null, TextWriter.Null, interactive: false, "test",
            extraSet: ["fedactors.rounds=2", "fedactors.eval.every=1"]);

        Assert.Equal(Program.ExitOk, exit);
        var runs = Directory.GetFiles(Path.Combine(results, SweepLayout.Runs), "metrics.csv", SearchOption.AllDirectories);
        Assert.Equal(8, runs.Length);
        Assert.All(runs, metrics => Assert.Equal(3, File.ReadAllLines(metrics).Length));

        var error = new StringWriter();
        Assert.Equal(Program.ExitInvalidInput, SweepCommand.Execute(sweep, results, TextWriter.Null, error, interactive: false, "test",
            extraSet: ["fedactors.aggregator.rule=mean"]));
        Assert.Contains("--set: 'fedactors.aggregator.rule=mean' sets fedactors.aggregator.rule", error.ToString());
    }

    [Fact]
    public void Plot_refuses_a_folder_that_is_neither_a_run_nor_a_sweep_naming_it()
    {
        var error = new StringWriter();

        var exit = PlotCommand.Execute(_folder, TextWriter.Null, error);

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains(_folder, error.ToString());
        Assert.False(Directory.Exists(Path.Combine(_folder, "plots")));
    }

    [Fact]
    public void Plot_refuses_a_metrics_file_it_cannot_read_naming_the_file()
    {
        File.WriteAllText(Path.Combine(_folder, "metrics.csv"), "round,train_loss,param_error,test_accuracy\n1,abc,,\n");
        var error = new StringWriter();

        var exit = PlotCommand.Execute(_folder, TextWriter.Null, error);

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("metrics.csv, line 2: 'train_loss' is 'abc'", error.ToString());
    }
}
