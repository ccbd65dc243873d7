namespace FedActors.Aggregation.Tests;

public class CenteredClippingRuleTests
{
    [Fact]
    public void Clips_around_the_carried_centre_by_hand()
    {
        // Rows 0, 1, 2, 10 with tau = 3 from v = 0: factors 1, 1, 1, 0.3, v = (0 + 1 + 2 + 3) / 4 = 1.5.
        // Next round from 1.5: differences -1.5, -0.5, 0.5, 8.5, factors 1, 1, 1, 3/8.5, v = 1.5 + 1.5 / 4 = 1.875.
        float[][] rows = [[0f], [1f], [2f], [10f]];
        var rule = new CenteredClippingRule(tau: 3);
        var (first, report) = NaiveBaselines.Run(rule, rows);
        Assert.Equal([1.5f], first);
        Assert.Equal([1 / 3.3, 1 / 3.3, 1 / 3.3, 0.3 / 3.3], report.Weights.ToArray(), new ToleranceComparer(1e-12));
        Assert.Equal(1, report.Iterations);
        Assert.True(report.Converged);
        var (second, _) = NaiveBaselines.Run(rule, rows);
        Assert.Equal([1.875f], second);
        Assert.Equal([1.875f], rule.Centre.ToArray());
    }

    [Theory]
    [InlineData(10, 30, 5.0, 1, 1)]
    [InlineData(17, 100, 2.0, 3, 2)]
    [InlineData(25, 50, 0.5, 10, 3)]
    public void Agrees_with_naive_centered_clipping_over_two_rounds(int n, int d, double tau, int iterations, int seed)
    {
        var rows = NaiveBaselines.Cluster(n, d, seed);
        var rule = new CenteredClippingRule(tau, iterations);
        var expected = NaiveBaselines.CenteredClipping(rows, new double[d], tau, iterations);
        var (first, _) = NaiveBaselines.Run(rule, rows);
        AssertClose(expected, first, 1e-5);

        var nextRows = NaiveBaselines.Cluster(n, d, seed + 100);
        var expectedNext = NaiveBaselines.CenteredClipping(nextRows, first.Select(x => (double)x).ToArray(), tau, iterations);
        var (second, report) = NaiveBaselines.Run(rule, nextRows);
        AssertClose(expectedNext, second, 1e-5);
        Assert.Equal(iterations, report.Iterations);
        Assert.Equal(1.0, report.Weights.ToArray().Sum(), 1e-12);
    }

    [Fact]
    public void Saved_state_resumes_the_run_exactly()
    {
        var round1 = NaiveBaselines.Cluster(12, 40, seed: 1);
        var round2 = NaiveBaselines.Cluster(12, 40, seed: 2);
        var original = new CenteredClippingRule(tau: 2, iterations: 2);
        NaiveBaselines.Run(original, round1);
        using var buffer = new MemoryStream();
        original.SaveState(new BinaryWriter(buffer));

        var restored = new CenteredClippingRule(tau: 2, iterations: 2);
        buffer.Position = 0;
        restored.LoadState(new BinaryReader(buffer));
        var (expected, _) = NaiveBaselines.Run(original, round2);
        var (resumed, _) = NaiveBaselines.Run(restored, round2);
        Assert.Equal(TestData.Bits(expected), TestData.Bits(resumed));

        // Without the state the second round starts from 0 and ends elsewhere: the state matters.
        var (fresh, _) = NaiveBaselines.Run(new CenteredClippingRule(tau: 2, iterations: 2), round2);
        Assert.NotEqual(TestData.Bits(expected), TestData.Bits(fresh));
    }

    [Fact]
    public void Saved_state_before_the_first_round_is_empty()
    {
        using var buffer = new MemoryStream();
        new CenteredClippingRule().SaveState(new BinaryWriter(buffer));
        buffer.Position = 0;
        var restored = new CenteredClippingRule();
        NaiveBaselines.Run(restored, [[1f, 2f], [3f, 4f]]);
        restored.LoadState(new BinaryReader(buffer));
        Assert.True(restored.Centre.IsEmpty);
    }

    [Fact]
    public void Is_permutation_invariant_within_rounding()
    {
        var rows = NaiveBaselines.Cluster(15, 64, seed: 5);
        var permutation = Enumerable.Range(0, 15).ToArray();
        new Random(9).Shuffle(permutation);
        var (output, report) = NaiveBaselines.Run(new CenteredClippingRule(tau: 4, iterations: 3), rows);
        var (permuted, permutedReport) = NaiveBaselines.Run(new CenteredClippingRule(tau: 4, iterations: 3), permutation.Select(i => rows[i]).ToArray());
        for (var j = 0; j < 64; j++)
            Assert.Equal(output[j], permuted[j], 1e-5 * (1 + Math.Abs(output[j])));
        for (var r = 0; r < 15; r++)
            Assert.Equal(report.Weights[permutation[r]], permutedReport.Weights[r], 1e-9);
    }

    [Theory]
    [InlineData(10, 4)]
    [InlineData(30, 14)]
    public void Outliers_1e6_away_move_it_by_at_most_f_over_n_times_tau_plus_the_honest_norm(int n, int f)
    {
        var honest = NaiveBaselines.Cluster(n, 50, seed: n);
        var (rows, byzantine) = NaiveBaselines.WithOutliers(honest, f, seed: n);
        var honestRows = rows.Where((_, i) => !byzantine[i]).ToArray();
        var honestMean = NaiveBaselines.MeanOf(honestRows, Enumerable.Range(0, honestRows.Length));
        var tau = 100.0;
        // Honest rows lie within tau of v_0 = 0, so one iteration gives ((n - f) / n) honest mean + (f / n) tau u.
        Assert.All(honestRows, row => Assert.True(NaiveBaselines.Distance(row, new double[50]) < tau));
        var (output, report) = NaiveBaselines.Run(new CenteredClippingRule(tau), rows);
        var honestNorm = Math.Sqrt(honestMean.Sum(x => x * x));
        Assert.True(NaiveBaselines.Distance(output, honestMean) <= (double)f / n * (honestNorm + tau) * (1 + 1e-5));
        for (var i = 0; i < n; i++)
            Assert.True(byzantine[i] ? report.Weights[i] < 1e-3 : report.Weights[i] > 0.01);
    }

    [Fact]
    public void Without_outliers_and_with_the_default_radius_it_is_the_mean()
    {
        var rows = NaiveBaselines.Cluster(20, 100, seed: 8);
        var mean = NaiveBaselines.MeanOf(rows, Enumerable.Range(0, 20));
        var (output, report) = NaiveBaselines.Run(CenteredClippingRule.Create(2, 20, RuleParameters.Empty), rows);
        AssertClose(mean, output, 1e-6);
        Assert.All(report.Weights.ToArray(), weight => Assert.Equal(1 / 20.0, weight, 1e-15));
    }

    [Fact]
    public void A_tolerance_stops_early_and_the_cap_is_reported()
    {
        var rows = NaiveBaselines.Cluster(15, 30, seed: 3);
        var (converged, report) = NaiveBaselines.Run(new CenteredClippingRule(tau: 1, iterations: 1000, tolerance: 1e-6), rows);
        Assert.True(report.Converged);
        Assert.InRange(report.Iterations, 2, 999);
        // At the fixed point v = v + (1/n) sum_i clip(x_i - v): the clipped differences nearly cancel.
        var expected = NaiveBaselines.CenteredClipping(rows, new double[30], 1, report.Iterations);
        AssertClose(expected, converged, 1e-4);

        var (_, capped) = NaiveBaselines.Run(new CenteredClippingRule(tau: 1, iterations: 2, tolerance: 1e-6), rows);
        Assert.False(capped.Converged);
        Assert.Equal(2, capped.Iterations);
    }

    [Fact]
    public void Seven_shards_give_the_same_bits_as_one()
    {
        var rows = NaiveBaselines.Cluster(12, 6000, seed: 12);
        var (one, _) = NaiveBaselines.Run(new CenteredClippingRule(tau: 30, iterations: 3), rows, shards: 1);
        var (seven, _) = NaiveBaselines.Run(new CenteredClippingRule(tau: 30, iterations: 3), rows, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
    }

    [Fact]
    public void Rejects_NaN_and_a_changed_dimension()
    {
        var rows = NaiveBaselines.Cluster(7, 10, seed: 1);
        Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new CenteredClippingRule(), NaiveBaselines.WithNaN(rows, 1, 1)));
        var rule = new CenteredClippingRule();
        NaiveBaselines.Run(rule, rows);
        var error = Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(rule, NaiveBaselines.Cluster(7, 11, seed: 1)));
        Assert.StartsWith("centered-clipping carries a centre of 10 coordinates, the rows have 11", error.Message);
    }

    [Theory]
    [InlineData("tau", "0", "parameter 'tau': the clipping radius must be > 0")]
    [InlineData("tau", "-1", "parameter 'tau': -1 is outside [0, ")]
    [InlineData("iterations", "0", "parameter 'iterations': 0 is outside [1, 2147483647]")]
    [InlineData("tolerance", "-0.5", "parameter 'tolerance': -0.5 is outside [0, ")]
    [InlineData("radius", "3", "centered-clipping has no parameter 'radius'")]
    public void Create_rejects_bad_parameters(string key, string value, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => CenteredClippingRule.Create(1, 10, NaiveBaselines.Parameters((key, value))));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Create_rejects_impossible_f_and_reads_its_parameters()
    {
        var error = Assert.Throws<ArgumentException>(() => CenteredClippingRule.Create(5, 10, RuleParameters.Empty));
        Assert.StartsWith("centered-clipping cannot tolerate f = 5 of n = 10: needs n > 2f", error.Message);
        var defaults = CenteredClippingRule.Create(1, 10, RuleParameters.Empty);
        Assert.Equal((100.0, 1, (double?)null), (defaults.Tau, defaults.Iterations, defaults.Tolerance));
        var set = CenteredClippingRule.Create(1, 10, NaiveBaselines.Parameters(("tau", "2.5"), ("iterations", "7"), ("tolerance", "1e-4")));
        Assert.Equal((2.5, 7, (double?)1e-4), (set.Tau, set.Iterations, set.Tolerance));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CenteredClippingRule(tau: double.NaN));
    }

    private static void AssertClose(double[] expected, float[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var j = 0; j < expected.Length; j++)
            Assert.True(Math.Abs(expected[j] - actual[j]) <= relative * (1 + Math.Abs(expected[j])), $"coordinate {j}: {expected[j]} vs {actual[j]}");
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
