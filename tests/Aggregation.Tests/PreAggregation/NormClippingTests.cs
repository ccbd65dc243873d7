namespace FedActors.Aggregation.Tests;

public class NormClippingTests
{
    // Norms 5, 0, 1 and 13.
    private static readonly float[][] Rows = [[3f, 4f], [0f, 0f], [0.6f, 0.8f], [5f, 12f]];

    [Fact]
    public void Scales_rows_above_tau_down_to_tau_by_hand()
    {
        var (mixed, mixing) = PreAggregationTestKit.Apply(new NormClipping(2), Rows);
        Assert.Equal([[1.2f, 1.6f], [0f, 0f], [0.6f, 0.8f], [(float)(10.0 / 13), (float)(24.0 / 13)]], mixed);
        Assert.Equal([0.4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2 / 13.0], mixing);
    }

    [Fact]
    public void By_default_tau_is_the_median_row_norm()
    {
        // Median of 0, 1, 5, 13 is 3.
        var (mixed, _) = PreAggregationTestKit.Apply(new NormClipping(), Rows);
        Assert.Equal([[1.8f, 2.4f], [0f, 0f], [0.6f, 0.8f], [(float)(15.0 / 13), (float)(36.0 / 13)]], mixed);
    }

    [Fact]
    public void Agrees_with_naive_clipping_and_is_permutation_equivariant()
    {
        var rows = TestData.Rows(15, 50, seed: 15, ties: false);
        var norms = rows.Select(row => Math.Sqrt(row.Sum(x => (double)x * x))).ToArray();
        var tau = norms.Order().ElementAt(7);
        var expected = rows.Select((row, i) => row.Select(x => x * Math.Min(1, tau / norms[i])).ToArray()).ToArray();
        var (mixed, _) = PreAggregationTestKit.Apply(new NormClipping(), rows);
        PreAggregationTestKit.AssertRowsClose(expected, mixed, 1e-6);

        var permutation = Enumerable.Range(0, 15).Reverse().ToArray();
        var (permuted, _) = PreAggregationTestKit.Apply(new NormClipping(), permutation.Select(i => rows[i]).ToArray());
        for (var r = 0; r < 15; r++)
            Assert.Equal(mixed[permutation[r]], permuted[r]);
    }

    [Fact]
    public void Before_the_mean_outliers_1e6_away_move_it_by_at_most_f_over_n_times_tau()
    {
        var honest = NaiveBaselines.Cluster(20, 30, seed: 20);
        var (rows, byzantine) = NaiveBaselines.WithOutliers(honest, 4, seed: 20);
        var output = new float[30];
        var tau = 2 * honest.Max(row => NaiveBaselines.Distance(row, new float[30]));
        var report = new AggregationPipeline([new NormClipping(tau)], new MeanRule()).Aggregate(TestData.Matrix(rows), output, shards: 7);
        // Honest rows are not clipped; each outlier now has norm tau.
        var honestMean = NaiveBaselines.MeanOf(rows.Where((_, i) => !byzantine[i]).ToArray(), Enumerable.Range(0, 16));
        var honestNorm = Math.Sqrt(honestMean.Sum(x => x * x));
        Assert.True(NaiveBaselines.Distance(output, honestMean) <= 4.0 / 20 * (tau + honestNorm) * (1 + 1e-5));
        Assert.Equal(1.0, report.Weights.ToArray().Sum(), 1e-12);
        for (var i = 0; i < 20; i++)
            Assert.True(byzantine[i] ? report.Weights[i] < 1e-3 : report.Weights[i] > 0.01);
    }

    [Fact]
    public void Seven_shards_give_the_same_bits_as_one()
    {
        var rows = TestData.Rows(9, 6000, seed: 9, ties: false);
        var (one, _) = PreAggregationTestKit.Apply(new NormClipping(), rows, shards: 1);
        var (seven, _) = PreAggregationTestKit.Apply(new NormClipping(), rows, shards: 7);
        for (var r = 0; r < 9; r++)
            Assert.Equal(TestData.Bits(one[r]), TestData.Bits(seven[r]));
    }

    [Fact]
    public void Rejects_NaN()
    {
        Assert.Throws<ArgumentException>(() => PreAggregationTestKit.Apply(new NormClipping(1), NaiveBaselines.WithNaN(Rows, 1, 1)));
    }

    [Theory]
    [InlineData("0", "parameter 'tau': the norm bound must be > 0")]
    [InlineData("-2", "parameter 'tau': -2 is outside [0, ")]
    [InlineData("big", "parameter 'tau': expected a finite number, got 'big'")]
    public void Create_rejects_bad_tau(string tau, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => NormClipping.Create(1, 10, NaiveBaselines.Parameters(("tau", tau))));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Create_reads_tau_and_rejects_impossible_f_and_unknown_parameters()
    {
        Assert.Null(NormClipping.Create(1, 10, RuleParameters.Empty).Tau);
        Assert.Null(NormClipping.Create(1, 10, NaiveBaselines.Parameters(("tau", "auto"))).Tau);
        Assert.Equal(2.5, NormClipping.Create(1, 10, NaiveBaselines.Parameters(("tau", "2.5"))).Tau);
        Assert.StartsWith("clip: f (Byzantine workers) must be >= 0, got f = -1",
            Assert.Throws<ArgumentException>(() => NormClipping.Create(-1, 10, RuleParameters.Empty)).Message);
        Assert.StartsWith("clip has no parameter 'c'",
            Assert.Throws<ArgumentException>(() => NormClipping.Create(1, 10, NaiveBaselines.Parameters(("c", "2")))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NormClipping(0));
    }
}
