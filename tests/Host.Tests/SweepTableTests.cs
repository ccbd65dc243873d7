using FedActors.Actors;
using FedActors.Host.Running;
using FedActors.Host.Sweeps;
using Xunit;

namespace FedActors.Host.Tests;

public class SweepTableTests
{
    [Fact]
    public void Two_seeds_use_the_t_quantile_with_one_degree_of_freedom()
    {
        // mean 0.85, s = 0.1 / sqrt 2, s / sqrt 2 = 0.05; t(0.975, 1) = 12.7062047361747 (tables).
        var interval = TInterval.Of([0.8, 0.9]);

        Assert.Equal(0.85, interval.Mean, 12);
        Assert.Equal(12.7062047361747 * 0.05, interval.HalfWidth, 9);
        Assert.Equal(0.85 - 0.635310236808735, interval.Low, 9);
        Assert.Equal(0.85 + 0.635310236808735, interval.High, 9);
    }

    [Fact]
    public void Three_seeds_use_the_t_quantile_with_two_degrees_of_freedom()
    {
        // mean 2, s = 1; t(0.975, 2) = 4.30265272974946, / sqrt 3 = 2.48413771175033.
        var interval = TInterval.Of([3.0, 1.0, 2.0]);

        Assert.Equal(2.0, interval.Mean, 12);
        Assert.Equal(2.48413771175033, interval.HalfWidth, 9);
        Assert.Equal(3, interval.Count);
    }

    [Fact]
    public void One_seed_has_no_spread_so_its_interval_is_the_value()
    {
        var interval = TInterval.Of([0.7]);

        Assert.Equal((0.7, 0.7, 0.7), (interval.Mean, interval.Low, interval.High));
    }

    private static SweepRunResult Run(bool completed, params (double Loss, double? Accuracy)[] rounds) =>
        new(completed, rounds.Select((r, i) => new MetricsRow(i + 1, r.Loss, null, r.Accuracy)).ToArray());

    [Theory]
    // Gradient ascent under an attack: finite, but far above where it started.
    [InlineData(2.3, 6454.0, true)]
    [InlineData(2.0, 20.5, true)]
    // Stuck or worse for a while, but within the factor; and a run that learned.
    [InlineData(2.0, 19.5, false)]
    [InlineData(2.3, 2.3, false)]
    [InlineData(2.3, 0.4, false)]
    public void A_finite_loss_ending_more_than_ten_times_its_start_is_diverged(double first, double last, bool diverged)
    {
        var run = Run(true, (first, null), (first / 2, 0.5), (last, 0.1));

        Assert.Equal(diverged, run.Diverged);
        Assert.Equal(diverged ? 1 : 0, SweepTable.Summarise("mean", "scaled", "0.2", 2, [run], SweepTable.TestAccuracy).Diverged);
        Assert.False(Run(false, (first, null), (last, 0.1)).Diverged);
    }

    [Fact]
    public void A_run_whose_loss_stopped_being_a_number_is_counted_as_diverged_and_left_out_of_the_mean()
    {
        SweepRunResult[] runs =
        [
            Run(true, (1.0, null), (0.5, 0.6)),
            Run(true, (1.0, null), (double.NaN, 0.1)),
            Run(true, (2.0, 0.5), (0.7, null)), // the last measured accuracy counts, not the last row's
            Run(false, (1.0, null)),
        ];

        var row = SweepTable.Summarise("mean", "alie", "0.2", 10, runs, SweepTable.TestAccuracy);

        Assert.Equal((4, 1, 1), (row.Seeds, row.Failed, row.Diverged));
        Assert.Equal(2, row.Final!.Value.Count);
        Assert.Equal(0.55, row.Final.Value.Mean, 12);
        Assert.Equal(0.6, row.FinalTrainLoss!.Value, 12);
        Assert.Equal("diverged (1 of 4)", SweepTable.CellText(row));
    }

    [Fact]
    public void The_csv_reads_back_as_written_and_the_markdown_has_one_table_per_fraction()
    {
        SweepRow[] rows =
        [
            new("mean", "none", "0", 0, 2, 0, 0, SweepTable.TestAccuracy, TInterval.Of([0.8, 0.9]), 0.3),
            new("mean", "alie", "0", 0, 2, 0, 0, SweepTable.TestAccuracy, TInterval.Of([0.8, 0.9]), 0.3),
            new("mean", "none", "0.2", 10, 2, 0, 2, SweepTable.TestAccuracy, null, null),
            new("mean", "alie", "0.2", 10, 2, 2, 0, SweepTable.TestAccuracy, null, null),
        ];

        var csv = Path.Combine(RepositoryFiles.NewTemporaryDirectory(), "table.csv");
        File.WriteAllText(csv, SweepTable.ToCsv(rows));
        Assert.Equal(rows, SweepTable.ReadCsv(csv));

        var markdown = SweepTable.ToMarkdown(rows, "t");
        Assert.Contains("## Byzantine fraction 0 (0 Byzantine workers)", markdown);
        Assert.Contains("## Byzantine fraction 0.2 (10 Byzantine workers)", markdown);
        Assert.Contains("| mean | 85.0 ± 63.5 | 85.0 ± 63.5 |", markdown);
        Assert.Contains("| mean | diverged (2 of 2) | failed (2 of 2) |", markdown);
    }

    [Fact]
    public void A_regression_sweep_reports_param_error_and_says_so()
    {
        SweepRow[] rows = [new("median", "none", "0.1", 5, 1, 0, 0, SweepTable.ParamError, TInterval.Of([0.01234]), 1.0)];

        var markdown = SweepTable.ToMarkdown(rows, "t");

        Assert.Contains("Final param_error", markdown);
        Assert.Contains("| median | 0.01234 ± 0 |", markdown);
    }
}

public class ProgressBarTests
{
    [Fact]
    public void A_run_shows_rounds_done_rate_and_time_left_redrawn_in_place()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, totalRounds: 10, elapsed: () => TimeSpan.FromSeconds(2), lineWidth: 120);

        bar.Report(5);

        // 5 rounds in 2 s is 2.5 rounds/s; 5 left take 2 s.
        Assert.Equal("[############............] 5/10 2.5 rounds/s ETA 0:02", bar.Text());
        Assert.StartsWith("\r[############", output.ToString());
        Assert.DoesNotContain('\n', output.ToString());
        bar.Report(10);
        Assert.EndsWith(Environment.NewLine, output.ToString());
    }

    [Fact]
    public void On_a_terminal_evaluated_rounds_and_the_last_round_are_printed_above_the_bar()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, totalRounds: 3, elapsed: () => TimeSpan.FromSeconds(1), lineWidth: 120);
        var lines = new ProgressLine(3, new StringWriter());
        static RoundMetrics Round(int round, double? accuracy) =>
            new(round, 0.5, null, accuracy, 10, 0, 0, 0, null, false, 12, 3);

        bar.Report(Round(1, null), lines);
        bar.Report(Round(2, 0.8125), lines);
        bar.Report(Round(3, null), lines);

        // Round 1 only moves the bar; round 2 carries an evaluation and round 3 ends the run: each is printed on a line
        // of its own where the bar was ('\r' and padding wipe the bar), and the bar is drawn again below it.
        var printed = output.ToString().Split(Environment.NewLine);
        Assert.Equal(4, printed.Length);
        Assert.Equal("round 2/3  train_loss        0.5  test_accuracy 81.25 %  accepted 10  rejected 0  missing 0  12 ms",
            printed[0][(printed[0].LastIndexOf('\r') + 1)..].TrimEnd());
        Assert.StartsWith("\r[########................] 1/3", printed[0]);
        Assert.StartsWith("round 3/3", printed[1][(printed[1].LastIndexOf('\r') + 1)..]);
        Assert.EndsWith("[########################] 3/3 3.0 rounds/s ETA 0:00", printed[2]);
        Assert.Equal("", printed[3]);
        Assert.DoesNotContain("round 1/3", output.ToString());
    }

    [Fact]
    public void A_sweep_names_the_cell_and_counts_time_left_over_every_cell()
    {
        var seconds = 0.0;
        var bar = new ProgressBar(new StringWriter(), totalRounds: 40, elapsed: () => TimeSpan.FromSeconds(seconds), lineWidth: 120);
        bar.StartCell(1, 4, "mean/none/byz-0/seed-1", 10);
        bar.Report(10);
        seconds = 3;
        bar.StartCell(2, 4, "mean/none/byz-0/seed-2", 10);
        bar.Report(5);

        // 15 rounds in 3 s: 5 rounds/s, 25 rounds left: 5 s.
        Assert.Equal("cell 2/4 mean/none/byz-0/seed-2 [#####.....] 5/10 5.0 rounds/s ETA 0:05", bar.Text());
    }
}
