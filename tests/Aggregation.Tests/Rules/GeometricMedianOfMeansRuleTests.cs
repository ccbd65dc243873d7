namespace FedActors.Aggregation.Tests;

public class GeometricMedianOfMeansRuleTests
{
    private static readonly WeiszfeldOptions Tight = new(Tolerance: 1e-12, MaxIterations: 5000);

    /// <summary>Means of the contiguous groups of b rows, in double.</summary>
    private static double[][] GroupMeans(double[][] rows, int groups)
    {
        var b = rows.Length / groups;
        return Enumerable.Range(0, groups).Select(g => NaiveRobust.Mean(rows.Skip(g * b).Take(b).ToArray())).ToArray();
    }

    [Theory]
    [InlineData(12, 4, 30, 1)]
    [InlineData(30, 10, 50, 2)]
    [InlineData(20, 5, 8, 3)]
    public void Matches_the_geometric_median_of_double_precision_group_means(int n, int k, int d, int seed)
    {
        var rows = NaiveRobust.Gaussian(n, d, seed, sigma: 1, center: NaiveRobust.Center(d, seed));
        var means = GroupMeans(NaiveRobust.ToDouble(rows), k);
        var expected = NaiveRobust.GeometricMedian(means);
        var output = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, n, k, options: Tight), rows, out var report);
        var scale = NaiveRobust.Objective(means, expected) / k;
        Assert.True(NaiveRobust.Distance(output, expected) <= 1e-5 * scale, $"{NaiveRobust.Distance(output, expected)} vs scale {scale}");
        Assert.Equal(NaiveRobust.Objective(means, expected), report.Objective, 1e-6 * scale);
        Assert.True(report.Converged);
    }

    [Fact]
    public void One_group_is_the_mean()
    {
        var rows = TestData.Rows(10, 200, seed: 4, ties: false);
        var output = NaiveRobust.Run(new GeometricMedianOfMeansRule(0, 10, 1), rows, out var report);
        var mean = NaiveAggregation.Mean(rows, 200);
        for (var j = 0; j < 200; j++)
            Assert.True(Math.Abs(output[j] - mean[j]) <= 2e-7 * NaiveAggregation.MaxAbs(rows, j), $"column {j}");
        Assert.Equal(0, report.Iterations);
        Assert.All(report.Weights.ToArray(), w => Assert.Equal(0.1, w, 1e-15));
    }

    [Fact]
    public void n_groups_is_the_geometric_median_bit_for_bit()
    {
        var rows = NaiveRobust.Gaussian(15, 40, seed: 9, sigma: 1, center: NaiveRobust.Center(40, 9));
        var gmom = NaiveRobust.Run(GeometricMedianOfMeansRule.Create(3, 15, NaiveRobust.Parameters(("groups", "15"))), rows, out var a);
        var gm = NaiveRobust.Run(new GeometricMedianRule(3), rows, out var b);
        Assert.Equal(TestData.Bits(gm), TestData.Bits(gmom));
        Assert.Equal(b.Weights.ToArray(), a.Weights.ToArray());
        Assert.Equal(b.Objective, a.Objective);
        Assert.Equal(b.Iterations, a.Iterations);
    }

    [Theory]
    [InlineData(0, 10, 1)]
    [InlineData(1, 10, 5)]
    [InlineData(2, 12, 6)]
    [InlineData(5, 100, 20)]
    [InlineData(20, 100, 50)]
    [InlineData(6, 14, 14)]
    public void Default_groups_is_the_smallest_divisor_at_least_2_1_plus_eps_f(int f, int n, int expected)
    {
        Assert.Equal(expected, GeometricMedianOfMeansRule.DefaultGroups(f, n, 0.1));
        Assert.Equal(expected, GeometricMedianOfMeansRule.Create(f, n, RuleParameters.Empty).Groups);
    }

    [Theory]
    [InlineData(10, 21, "", "", "gmom cannot tolerate f = 10 of n = 21: needs a number of groups dividing n with groups >= 2(1 + epsilon) f = 22")]
    [InlineData(2, 12, "groups", "5", "parameter 'groups': 5 does not divide n = 12")]
    [InlineData(2, 12, "groups", "4", "gmom cannot tolerate f = 2 of n = 12 with groups = 4: needs groups >= 2(1 + epsilon) f = 4.4")]
    [InlineData(2, 12, "groups", "13", "parameter 'groups'")]
    [InlineData(2, 12, "groups", "many", "parameter 'groups'")]
    [InlineData(2, 12, "tau", "0", "parameter 'tau'")]
    [InlineData(2, 12, "tau", "-3", "parameter 'tau'")]
    [InlineData(2, 12, "epsilon", "-0.5", "parameter 'epsilon'")]
    [InlineData(2, 12, "group", "6", "gmom has no parameter 'group'")]
    [InlineData(2, 12, "tolerance", "2", "parameter 'tolerance'")]
    [InlineData(-1, 12, "", "", "f (Byzantine workers) must be >= 0")]
    public void Create_rejects_bad_parameters_and_impossible_f(int f, int n, string key, string value, string message)
    {
        var parameters = key == "" ? RuleParameters.Empty : NaiveRobust.Parameters((key, value));
        var error = Assert.Throws<ArgumentException>(() => GeometricMedianOfMeansRule.Create(f, n, parameters));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Create_reads_its_parameters()
    {
        var rule = GeometricMedianOfMeansRule.Create(1, 12, NaiveRobust.Parameters(
            ("groups", "4"), ("epsilon", "0.5"), ("tau", "3.5"), ("tolerance", "1e-4"), ("max-iterations", "9"), ("smoothing", "0.001")));
        Assert.Equal(4, rule.Groups);
        Assert.Equal(3, rule.GroupSize);
        Assert.Equal(3.5, rule.Tau);
        Assert.Equal(new WeiszfeldOptions(1e-4, 9, 0.001), rule.Options);
        Assert.Throws<ArgumentException>(() => GeometricMedianOfMeansRule.Create(1, 12, NaiveRobust.Parameters(("groups", "4"), ("epsilon", "1.5"))));
    }

    [Fact]
    public void Tau_drops_group_means_of_larger_norm()
    {
        // Groups of 2: means (1, 0), (0, 1), (100, 0) and (-1, -1); tau = 10 drops the third.
        float[][] rows = [[2, 0], [0, 0], [0, 1], [0, 1], [100, 1], [100, -1], [-1, -1], [-1, -1]];
        var output = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 8, 4, tau: 10, Tight), rows, out var report);
        var expected = NaiveRobust.GeometricMedian([[1, 0], [0, 1], [-1, -1]]);
        Assert.Equal(expected[0], output[0], 1e-5);
        Assert.Equal(expected[1], output[1], 1e-5);
        var weights = report.Weights.ToArray();
        Assert.Equal(0, weights[4]);
        Assert.Equal(0, weights[5]);
        Assert.Equal(2, report.RowsDropped);
        Assert.Equal(1.0, weights.Sum(), 1e-12);
        Assert.Equal(weights[0], weights[1]);

        var all = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 8, 4, tau: 0.5), rows, out var none);
        Assert.Equal([0f, 0f], all);
        Assert.Equal(8, none.RowsDropped);
    }

    [Fact]
    public void Missing_workers_leave_their_group_with_the_present_members_or_out()
    {
        // 8 workers in 4 groups of 2; workers 1, 4 and 5 are missing, so group 2 is empty and group 0 is worker 0 alone.
        var all = NaiveRobust.Gaussian(8, 6, seed: 3, sigma: 1);
        int[] ids = [0, 2, 3, 6, 7];
        var rows = ids.Select(id => all[id]).ToArray();
        var context = new AggregationContext(1, 8, ids, null, new Random(0));
        var output = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 8, 4, options: Tight), rows, out var report, context: context);

        var x = NaiveRobust.ToDouble(rows);
        double[][] means = [x[0], NaiveRobust.Mean([x[1], x[2]]), NaiveRobust.Mean([x[3], x[4]])];
        var expected = NaiveRobust.GeometricMedian(means);
        for (var j = 0; j < 6; j++)
            Assert.Equal(expected[j], output[j], 1e-5);
        var weights = report.Weights.ToArray();
        Assert.Equal(weights[1], weights[2]);
        Assert.Equal(1.0, weights.Sum(), 1e-12);

        var wrongTotal = new AggregationContext(1, 9, ids, null, new Random(0));
        var error = Assert.Throws<ArgumentException>(() => NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 8, 4), rows, out _, context: wrongTotal));
        Assert.Contains("created for n = 8 workers; this round has 9", error.Message);
    }

    [Fact]
    public void Reordering_workers_within_groups_or_whole_groups_changes_nothing_but_rounding()
    {
        var rows = NaiveRobust.Gaussian(12, 25, seed: 6, sigma: 1, center: NaiveRobust.Center(25, 6));
        int[] order = [10, 9, 11, 0, 2, 1, 4, 5, 3, 6, 8, 7];
        var original = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 12, 4, options: Tight), rows, out _);
        var reordered = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 12, 4, options: Tight), order.Select(i => rows[i]).ToArray(), out _);
        for (var j = 0; j < 25; j++)
            Assert.Equal(original[j], reordered[j], 1e-5);
    }

    [Fact]
    public void Is_translation_equivariant()
    {
        var rows = NaiveRobust.Gaussian(12, 25, seed: 2, sigma: 1);
        var shift = NaiveRobust.Center(25, 7);
        var moved = rows.Select(row => row.Select((x, j) => (float)(x + shift[j])).ToArray()).ToArray();
        var original = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 12, 6, options: Tight), rows, out _);
        var shifted = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 12, 6, options: Tight), moved, out _);
        for (var j = 0; j < 25; j++)
            Assert.Equal(original[j] + shift[j], shifted[j], 1e-4);
    }

    [Fact]
    public void Stays_near_the_honest_group_means_when_f_rows_in_f_groups_move_1e6_away()
    {
        const int n = 40, f = 8, d = 30;
        var center = NaiveRobust.Center(d, 4);
        var honest = NaiveRobust.Gaussian(n, d, seed: 40, sigma: 1, center: center);
        var rows = honest.Select(row => (float[])row.Clone()).ToArray();
        // Every other row: one outlier in each of the first 8 groups of 2 (the worst placement: 8 of 20 groups spoilt).
        var outlier = NaiveRobust.WithFarOutliers([rows[0]], 1, center, 1e6)[0];
        for (var i = 0; i < 2 * f; i += 2)
            rows[i] = outlier;
        var rule = GeometricMedianOfMeansRule.Create(f, n, RuleParameters.Empty);
        Assert.Equal(20, rule.Groups);
        var output = NaiveRobust.Run(rule, rows, out var report);

        var means = GroupMeans(NaiveRobust.ToDouble(rows), 20);
        var r = means.Skip(f).Max(mean => NaiveRobust.Distance(mean, center));
        const double alpha = 8.0 / 20;
        var optimum = NaiveRobust.Objective(means, NaiveRobust.GeometricMedian(means));
        var gamma = Math.Max(0, report.Objective / optimum - 1);
        var bound = 2 * (1 - alpha) / (1 - 2 * alpha) * r + gamma * optimum / ((1 - 2 * alpha) * 20);
        Assert.True(NaiveRobust.Distance(output, center) <= bound, $"{NaiveRobust.Distance(output, center)} > {bound}");
        Assert.True(NaiveRobust.Distance(NaiveRobust.Mean(NaiveRobust.ToDouble(rows)), center) > 1e5);
        Assert.All(report.Weights.ToArray()[..(2 * f)], w => Assert.True(w < 1e-5));
    }

    [Fact]
    public void Without_outliers_lies_close_to_the_mean()
    {
        const int n = 60, d = 100;
        var rows = NaiveRobust.Gaussian(n, d, seed: 61, sigma: 1, center: NaiveRobust.Center(d, 3));
        var output = NaiveRobust.Run(GeometricMedianOfMeansRule.Create(5, n, RuleParameters.Empty), rows, out _);
        var x = NaiveRobust.ToDouble(rows);
        var mean = NaiveRobust.Mean(x);
        var typical = x.Average(row => NaiveRobust.Distance(row, mean));
        Assert.True(NaiveRobust.Distance(output, mean) <= 2 * typical / Math.Sqrt(n));
    }

    [Fact]
    public void One_shard_and_seven_shards_give_the_same_bits()
    {
        var rows = NaiveRobust.Gaussian(12, 7000, seed: 32, sigma: 1, center: NaiveRobust.Center(7000, 6));
        var one = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 12, 4, tau: 1e9), rows, out var a, shards: 1);
        var seven = NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 12, 4, tau: 1e9), rows, out var b, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
        Assert.Equal(a.Weights.ToArray(), b.Weights.ToArray());
        Assert.Equal(a.Objective, b.Objective);
    }

    [Fact]
    public void NaN_input_throws_ArgumentException()
    {
        var rows = NaiveRobust.Gaussian(6, 10, seed: 1);
        rows[5][0] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 6, 3), rows, out _));
        rows[5][0] = float.NaN;
        Assert.Throws<ArgumentException>(() => NaiveRobust.Run(new GeometricMedianOfMeansRule(1, 6, 3), rows, out _));
    }

    [Fact]
    public void Constructor_rejects_groups_that_do_not_divide_or_cannot_outvote_f()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GeometricMedianOfMeansRule(1, 10, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GeometricMedianOfMeansRule(1, 10, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GeometricMedianOfMeansRule(0, 10, 5, tau: 0));
    }
}
