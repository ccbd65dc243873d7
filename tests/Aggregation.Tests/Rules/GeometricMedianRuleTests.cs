namespace FedActors.Aggregation.Tests;

public class GeometricMedianRuleTests
{
    private static readonly WeiszfeldOptions Tight = new(Tolerance: 1e-12, MaxIterations: 5000);

    [Theory]
    [InlineData(5, 3, 1)]
    [InlineData(11, 40, 2)]
    [InlineData(30, 200, 3)]
    [InlineData(64, 17, 4)]
    public void Matches_a_double_precision_Weiszfeld_on_random_rows(int n, int d, int seed)
    {
        var rows = NaiveRobust.Gaussian(n, d, seed, sigma: 2, center: NaiveRobust.Center(d, seed));
        var expected = NaiveRobust.GeometricMedian(NaiveRobust.ToDouble(rows));
        var output = NaiveRobust.Run(new GeometricMedianRule(0, Tight), rows, out var report);

        var x = NaiveRobust.ToDouble(rows);
        var optimum = NaiveRobust.Objective(x, expected);
        var scale = optimum / n;
        Assert.True(NaiveRobust.Distance(output, expected) <= 1e-5 * scale, $"distance {NaiveRobust.Distance(output, expected)} scale {scale}");
        Assert.True(report.Converged);
        Assert.InRange(report.Objective, optimum * (1 - 1e-9), optimum * (1 + 1e-9));
        Assert.InRange(NaiveRobust.Objective(x, output.Select(v => (double)v).ToArray()), optimum * (1 - 1e-12), optimum * (1 + 1e-9));
    }

    [Fact]
    public void Default_tolerance_reaches_the_optimum_objective_within_1e_5()
    {
        var rows = NaiveRobust.Gaussian(40, 300, seed: 7, sigma: 0.01);
        var optimum = NaiveRobust.Objective(NaiveRobust.ToDouble(rows), NaiveRobust.GeometricMedian(NaiveRobust.ToDouble(rows)));
        NaiveRobust.Run(new GeometricMedianRule(0), rows, out var report);
        Assert.True(report.Converged);
        Assert.InRange(report.Iterations, 1, 200);
        Assert.InRange(report.Objective, optimum, optimum * (1 + 1e-5));
    }

    [Fact]
    public void Equilateral_triangle_gives_its_centre()
    {
        float[][] rows = [[0f, 0f], [2f, 0f], [1f, (float)Math.Sqrt(3)]];
        var output = NaiveRobust.Run(new GeometricMedianRule(1, Tight), rows, out var report);
        // The objective test stops when F changes by under 1e-12 F, i.e. within about sqrt(1e-12) of the optimum.
        Assert.Equal(1.0, output[0], 1e-5);
        Assert.Equal(1 / Math.Sqrt(3), output[1], 1e-5);
        Assert.Equal(NaiveRobust.Objective(NaiveRobust.ToDouble(rows), [1, 1 / Math.Sqrt(3)]), report.Objective, 1e-9);
        // Equal distances, so equal Weiszfeld weights.
        Assert.All(report.Weights.ToArray(), w => Assert.Equal(1.0 / 3, w, 1e-6));
    }

    [Fact]
    public void A_vertex_with_an_angle_of_at_least_120_degrees_is_the_median_and_the_Vardi_Zhang_test_stops_there()
    {
        // The coordinate-wise median is (0, 0), a data point; the angle there is about 174 degrees, so it is the median.
        float[][] rows = [[0f, 0f], [1f, 0f], [-1f, 0.1f]];
        var output = NaiveRobust.Run(new GeometricMedianRule(0), rows, out var report);
        Assert.Equal([0f, 0f], output);
        Assert.True(report.Converged);
        Assert.Equal(1, report.Iterations);
        Assert.Equal([1.0, 0.0, 0.0], report.Weights.ToArray());
        Assert.Equal(1 + Math.Sqrt(1 + (double)0.1f * 0.1f), report.Objective, 1e-12);
    }

    [Fact]
    public void The_Vardi_Zhang_step_leaves_a_data_point_that_is_not_the_median()
    {
        // Start (coordinate-wise median) is the vertex (0, 0) with a 90 degree angle: the Fermat point lies inside,
        // on the diagonal, where each side subtends 120 degrees: t = (3 - sqrt(3)) / 6 ... found numerically here.
        float[][] rows = [[0f, 0f], [1f, 0f], [0f, 1f]];
        var expected = NaiveRobust.GeometricMedian(NaiveRobust.ToDouble(rows));
        var output = NaiveRobust.Run(new GeometricMedianRule(0, Tight), rows, out var report);
        Assert.True(expected[0] > 0.1);
        Assert.Equal(expected[0], output[0], 1e-6);
        Assert.Equal(expected[1], output[1], 1e-6);
        Assert.True(report.Converged);
    }

    [Fact]
    public void Duplicated_rows_pull_with_their_multiplicity()
    {
        // Three copies of the origin against two points: the origin is the median (3 > the pull of 2 unit vectors).
        float[][] rows = [[0f, 0f], [0f, 0f], [0f, 0f], [5f, 1f], [4f, -2f]];
        var output = NaiveRobust.Run(new GeometricMedianRule(2), rows, out var report);
        Assert.Equal([0f, 0f], output);
        Assert.Equal([1.0 / 3, 1.0 / 3, 1.0 / 3, 0, 0], report.Weights.ToArray());
        Assert.Equal(2, report.RowsDropped);
    }

    [Fact]
    public void Identical_rows_give_that_row_in_zero_steps()
    {
        var row = new[] { 1.5f, -2f, 3f };
        var output = NaiveRobust.Run(new GeometricMedianRule(1), [row, row, row, row], out var report);
        Assert.Equal(row, output);
        Assert.Equal(0, report.Iterations);
        Assert.Equal(0, report.Objective);
        Assert.All(report.Weights.ToArray(), w => Assert.Equal(0.25, w));
    }

    [Fact]
    public void Weights_are_the_last_steps_coefficients_and_reproduce_the_output()
    {
        var rows = NaiveRobust.Gaussian(20, 50, seed: 11, sigma: 1);
        var output = NaiveRobust.Run(new GeometricMedianRule(3), rows, out var report);
        var weights = report.Weights.ToArray();
        Assert.Equal(1.0, weights.Sum(), 1e-12);
        Assert.All(weights, w => Assert.True(w > 0));
        for (var j = 0; j < 50; j++)
        {
            var combination = Enumerable.Range(0, 20).Sum(i => weights[i] * rows[i][j]);
            Assert.Equal(combination, output[j], 1e-5);
        }
    }

    [Fact]
    public void Hitting_the_cap_returns_the_current_iterate_not_zero()
    {
        var rows = NaiveRobust.Gaussian(9, 30, seed: 5, sigma: 1, center: NaiveRobust.Center(30, 1));
        var output = NaiveRobust.Run(new GeometricMedianRule(0, new WeiszfeldOptions(MaxIterations: 1)), rows, out var report);
        Assert.False(report.Converged);
        Assert.Equal(1, report.Iterations);

        // One Weiszfeld step from the coordinate-wise median, computed plainly.
        var x = NaiveRobust.ToDouble(rows);
        var start = NaiveAggregation.Median(rows, 30).Select(v => (double)v).ToArray();
        var weights = x.Select(row => 1 / NaiveRobust.Distance(row, start)).ToArray();
        for (var j = 0; j < 30; j++)
        {
            var expected = Enumerable.Range(0, 9).Sum(i => weights[i] * x[i][j]) / weights.Sum();
            Assert.Equal(expected, output[j], 1e-5);
        }
    }

    [Fact]
    public void Is_permutation_invariant_within_rounding()
    {
        var rows = NaiveRobust.Gaussian(25, 100, seed: 3, sigma: 1, center: NaiveRobust.Center(100, 3));
        var original = NaiveRobust.Run(new GeometricMedianRule(5, Tight), rows, out _);
        var permuted = NaiveRobust.Run(new GeometricMedianRule(5, Tight), TestData.Permuted(rows, seed: 4), out _);
        for (var j = 0; j < 100; j++)
            Assert.Equal(original[j], permuted[j], 1e-5);
    }

    [Fact]
    public void Is_translation_and_scale_equivariant()
    {
        var rows = NaiveRobust.Gaussian(15, 60, seed: 8, sigma: 1);
        var shift = NaiveRobust.Center(60, 9);
        var moved = rows.Select(row => row.Select((x, j) => (float)(4 * x + shift[j])).ToArray()).ToArray();
        var original = NaiveRobust.Run(new GeometricMedianRule(2, Tight), rows, out var a);
        var transformed = NaiveRobust.Run(new GeometricMedianRule(2, Tight), moved, out var b);
        for (var j = 0; j < 60; j++)
            Assert.Equal(4 * original[j] + shift[j], transformed[j], 1e-4);
        Assert.Equal(4 * a.Objective, b.Objective, 1e-6 * b.Objective);
    }

    [Theory]
    [InlineData(21, 10)]
    [InlineData(40, 13)]
    public void Stays_near_the_honest_rows_when_f_rows_move_1e6_away(int n, int f)
    {
        const int d = 40;
        var center = NaiveRobust.Center(d, 12);
        var rows = NaiveRobust.WithFarOutliers(NaiveRobust.Gaussian(n, d, seed: n, sigma: 1, center: center), f, center, 1e6);
        var output = NaiveRobust.Run(GeometricMedianRule.Create(f, n, RuleParameters.Empty), rows, out var report);

        // Lemma 1 of Chen, Su, Xu: with a fraction alpha < 1/2 outside the ball B(center, r), a (1 + gamma)-approximate
        // median lies within C_alpha r + gamma F* / ((1 - 2 alpha) n) of the centre, C_alpha = 2(1 - alpha)/(1 - 2 alpha).
        var x = NaiveRobust.ToDouble(rows);
        var r = x.Skip(f).Max(row => NaiveRobust.Distance(row, center));
        var alpha = (double)f / n;
        var optimum = NaiveRobust.Objective(x, NaiveRobust.GeometricMedian(x));
        var gamma = Math.Max(0, report.Objective / optimum - 1);
        var bound = 2 * (1 - alpha) / (1 - 2 * alpha) * r + gamma * optimum / ((1 - 2 * alpha) * n);
        Assert.True(NaiveRobust.Distance(output, center) <= bound, $"{NaiveRobust.Distance(output, center)} > {bound}");
        // The mean, by contrast, is dragged about f/n * 1e6 away.
        Assert.True(NaiveRobust.Distance(NaiveRobust.Mean(x), center) > 1e5);
        // Each outlier's weight is of order 1/1e6 of an honest row's.
        Assert.All(report.Weights.ToArray()[..f], w => Assert.True(w < 1e-5));
    }

    [Fact]
    public void Without_outliers_lies_close_to_the_mean()
    {
        const int n = 50, d = 200;
        var rows = NaiveRobust.Gaussian(n, d, seed: 21, sigma: 1, center: NaiveRobust.Center(d, 2));
        var output = NaiveRobust.Run(new GeometricMedianRule(10), rows, out _);
        var x = NaiveRobust.ToDouble(rows);
        var mean = NaiveRobust.Mean(x);
        var typical = x.Average(row => NaiveRobust.Distance(row, mean));
        // Both estimate the centre to about sigma sqrt(d / n) = typical / sqrt(n); allow 2x that.
        Assert.True(NaiveRobust.Distance(output, mean) <= 2 * typical / Math.Sqrt(n));
    }

    [Fact]
    public void One_shard_and_seven_shards_give_the_same_bits()
    {
        var rows = NaiveRobust.Gaussian(12, 7000, seed: 31, sigma: 1, center: NaiveRobust.Center(7000, 5));
        rows[0] = rows[1];
        var one = NaiveRobust.Run(new GeometricMedianRule(3), rows, out var a, shards: 1);
        var seven = NaiveRobust.Run(new GeometricMedianRule(3), rows, out var b, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
        Assert.Equal(a.Weights.ToArray(), b.Weights.ToArray());
        Assert.Equal(a.Iterations, b.Iterations);
        Assert.Equal(a.Objective, b.Objective);
    }

    [Fact]
    public void NaN_input_throws_ArgumentException()
    {
        var rows = NaiveRobust.Gaussian(5, 10, seed: 1);
        rows[2][3] = float.NaN;
        Assert.Throws<ArgumentException>(() => NaiveRobust.Run(new GeometricMedianRule(1), rows, out _));
    }

    [Fact]
    public void Too_few_rows_throw()
    {
        var rows = NaiveRobust.Gaussian(4, 10, seed: 1);
        var error = Assert.Throws<ArgumentException>(() => NaiveRobust.Run(new GeometricMedianRule(2), rows, out _));
        Assert.Contains("geometric-median needs at least 5 rows, the matrix has 4", error.Message);
    }

    [Theory]
    [InlineData(50, 100, "", "", "geometric-median cannot tolerate f = 50 of n = 100: needs n > 2f")]
    [InlineData(-1, 10, "", "", "f (Byzantine workers) must be >= 0")]
    [InlineData(1, 10, "tolerence", "1e-3", "geometric-median has no parameter 'tolerence'")]
    [InlineData(1, 10, "tolerance", "0", "parameter 'tolerance'")]
    [InlineData(1, 10, "tolerance", "1", "parameter 'tolerance'")]
    [InlineData(1, 10, "max-iterations", "0", "parameter 'max-iterations'")]
    [InlineData(1, 10, "smoothing", "-1", "parameter 'smoothing'")]
    [InlineData(1, 10, "smoothing", "abc", "parameter 'smoothing'")]
    public void Create_rejects_bad_parameters_and_impossible_f(int f, int n, string key, string value, string message)
    {
        var parameters = key == "" ? RuleParameters.Empty : NaiveRobust.Parameters((key, value));
        var error = Assert.Throws<ArgumentException>(() => GeometricMedianRule.Create(f, n, parameters));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Create_reads_its_parameters()
    {
        var rule = GeometricMedianRule.Create(2, 10, NaiveRobust.Parameters(("tolerance", "1e-4"), ("max-iterations", "7"), ("smoothing", "0")));
        Assert.Equal(new WeiszfeldOptions(1e-4, 7, 0), rule.Options);
        Assert.Equal(5, rule.MinimumRows);
        Assert.Equal("geometric-median", rule.Name);
    }
}
