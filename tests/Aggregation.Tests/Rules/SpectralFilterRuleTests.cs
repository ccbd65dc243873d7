namespace FedActors.Aggregation.Tests;

public class SpectralFilterRuleTests
{
    /// <summary>
    /// The filter written from its definition on the d x d covariance: weighted mean, covariance, top eigenpair by
    /// cyclic Jacobi, scores, down-weighting; then rows below half weight removed. Returns the normalised weights.
    /// </summary>
    private static double[] NaiveFilter(double[][] x, double threshold, int maxIterations, out double lambda)
    {
        var n = x.Length;
        var d = x[0].Length;
        var c = Enumerable.Repeat(1.0, n).ToArray();
        var iterations = 0;
        while (true)
        {
            var (mu, top, v) = TopDirection(x, c);
            lambda = top;
            if (lambda <= threshold || iterations == maxIterations)
                break;
            var scores = x.Select(row => Math.Pow(row.Select((value, j) => (value - mu[j]) * v[j]).Sum(), 2)).ToArray();
            var max = Enumerable.Range(0, n).Where(i => c[i] > 0).Max(i => scores[i]);
            for (var i = 0; i < n; i++)
                c[i] = Math.Max(0, c[i] * (1 - scores[i] / max));
            iterations++;
        }
        if (c.Any(w => w >= 0.5) && c.Any(w => w < 0.5 && w > 0))
        {
            for (var i = 0; i < n; i++)
                c[i] = c[i] < 0.5 ? 0 : c[i];
            lambda = TopDirection(x, c).Top;
        }
        var total = c.Sum();
        return c.Select(w => w / total).ToArray();
    }

    private static (double[] Mu, double Top, double[] V) TopDirection(double[][] x, double[] c)
    {
        var d = x[0].Length;
        var total = c.Sum();
        var mu = new double[d];
        for (var i = 0; i < x.Length; i++)
            for (var j = 0; j < d; j++)
                mu[j] += c[i] * x[i][j] / total;
        var cov = new double[d, d];
        for (var i = 0; i < x.Length; i++)
            for (var j = 0; j < d; j++)
                for (var k = 0; k < d; k++)
                    cov[j, k] += c[i] * (x[i][j] - mu[j]) * (x[i][k] - mu[k]) / total;
        var (values, vectors) = Jacobi(cov, d);
        var best = Enumerable.Range(0, d).MaxBy(i => values[i]);
        return (mu, values[best], Enumerable.Range(0, d).Select(j => vectors[j, best]).ToArray());
    }

    /// <summary>Cyclic Jacobi eigenvalue algorithm for a small symmetric matrix.</summary>
    private static (double[] Values, double[,] Vectors) Jacobi(double[,] input, int d)
    {
        var a = (double[,])input.Clone();
        var v = new double[d, d];
        for (var i = 0; i < d; i++)
            v[i, i] = 1;
        for (var sweep = 0; sweep < 100; sweep++)
        {
            double off = 0.0, all = 0.0;
            for (var p = 0; p < d; p++)
                for (var q = 0; q < d; q++)
                {
                    all += a[p, q] * a[p, q];
                    if (q > p)
                        off += a[p, q] * a[p, q];
                }
            if (off <= 1e-28 * all)
                break;
            for (var p = 0; p < d; p++)
            {
                for (var q = p + 1; q < d; q++)
                {
                    if (a[p, q] == 0)
                        continue;
                    var theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    var t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    var cos = 1 / Math.Sqrt(t * t + 1);
                    var sin = t * cos;
                    for (var k = 0; k < d; k++)
                    {
                        var akp = a[k, p];
                        var akq = a[k, q];
                        a[k, p] = cos * akp - sin * akq;
                        a[k, q] = sin * akp + cos * akq;
                    }
                    for (var k = 0; k < d; k++)
                    {
                        var apk = a[p, k];
                        var aqk = a[q, k];
                        a[p, k] = cos * apk - sin * aqk;
                        a[q, k] = sin * apk + cos * aqk;
                    }
                    for (var k = 0; k < d; k++)
                    {
                        var vkp = v[k, p];
                        var vkq = v[k, q];
                        v[k, p] = cos * vkp - sin * vkq;
                        v[k, q] = sin * vkp + cos * vkq;
                    }
                }
            }
        }
        return (Enumerable.Range(0, d).Select(i => a[i, i]).ToArray(), v);
    }

    /// <summary>
    /// Honest rows N(mu, I_d); f Byzantine rows mu + s u + noise (u a unit direction orthogonal to mu, noise of
    /// standard deviation <paramref name="noise"/>) with s chosen so their norm matches the honest norm: they hide in
    /// the norm annulus and shift the mean along u (the anti-filter attack). Byzantine rows are spread over the ids.
    /// </summary>
    private static (float[][] Rows, bool[] Byzantine, double[] Mu, double[] U) AntiFilter(int n, int d, int f, int seed, double noise)
    {
        var mu = NaiveRobust.Center(d, seed + 100);
        var rows = NaiveRobust.Gaussian(n, d, seed, sigma: 1, center: mu);
        var random = new Random(seed + 7);
        var u = Enumerable.Range(0, d).Select(_ => NaiveRobust.Normal(random)).ToArray();
        var along = u.Zip(mu).Sum(p => p.First * p.Second) / mu.Sum(x => x * x);
        for (var j = 0; j < d; j++)
            u[j] -= along * mu[j];
        var norm = NaiveRobust.Norm(u);
        for (var j = 0; j < d; j++)
            u[j] /= norm;
        // ||mu + s u + noise||^2 = ||mu||^2 + s^2 + noise^2 d should equal ||mu||^2 + d (an honest row's).
        var s = Math.Sqrt(d * (1 - noise * noise));
        var byzantine = new bool[n];
        var noiseRows = NaiveRobust.Gaussian(f, d, seed + 999, sigma: noise);
        for (var b = 0; b < f; b++)
        {
            var i = n - 1 - (n / f) * b;
            byzantine[i] = true;
            for (var j = 0; j < d; j++)
                rows[i][j] = (float)(mu[j] + s * u[j] + noiseRows[b][j]);
        }
        return (rows, byzantine, mu, u);
    }

    [Theory]
    [InlineData(30, 6, 1, 0.0)]
    [InlineData(40, 4, 2, 0.3)]
    [InlineData(25, 8, 3, 0.6)]
    public void Matches_a_d_by_d_covariance_filter_with_Jacobi_eigenvectors(int n, int d, int seed, double noise)
    {
        var (rows, _, _, _) = AntiFilter(n, d, n / 5, seed, noise);
        var x = NaiveRobust.ToDouble(rows);
        var threshold = 1.5;
        var expected = NaiveFilter(x, threshold, maxIterations: 100, out var lambda);
        var output = NaiveRobust.Run(new SpectralFilterRule(n / 5, threshold), rows, out var report);

        var weights = report.Weights.ToArray();
        for (var i = 0; i < n; i++)
            Assert.Equal(expected[i], weights[i], 1e-9);
        Assert.Equal(lambda, report.Objective, 1e-9 * Math.Max(1, lambda));
        Assert.True(report.Iterations > 0);
        for (var j = 0; j < d; j++)
        {
            var mean = Enumerable.Range(0, n).Sum(i => expected[i] * x[i][j]);
            Assert.Equal(mean, output[j], 1e-5 * (1 + Math.Abs(mean)));
        }
    }

    [Theory]
    [InlineData(100, 1000, 0.0)]
    [InlineData(100, 1000, 0.5)]
    [InlineData(100, 1000, 0.8)]
    public void The_anti_filter_attack_loses_at_least_90_percent_of_its_rows(int n, int d, double noise)
    {
        const int f = 20;
        var (rows, byzantine, mu, u) = AntiFilter(n, d, f, seed: 5, noise);
        var output = NaiveRobust.Run(SpectralFilterRule.Create(f, n, RuleParameters.Empty), rows, out var report);
        var weights = report.Weights.ToArray();
        var byzantineRemoved = Enumerable.Range(0, n).Count(i => byzantine[i] && weights[i] == 0);
        var honestRemoved = Enumerable.Range(0, n).Count(i => !byzantine[i] && weights[i] == 0);
        Assert.True(byzantineRemoved >= 18, $"{byzantineRemoved} of {f} Byzantine rows removed");
        Assert.True(honestRemoved <= 4, $"{honestRemoved} honest rows removed");
        Assert.Equal(byzantineRemoved + honestRemoved, report.RowsDropped);
        Assert.True(report.Converged);

        // Along u the mean moves by about f/n * s (s = sqrt(d (1 - noise^2))); the filtered mean stays within the honest
        // mean's sampling error there, 1/sqrt(n - f) = 0.11.
        var shift = (double)f / n * Math.Sqrt(d * (1 - noise * noise));
        var x = NaiveRobust.ToDouble(rows);
        var mean = NaiveRobust.Mean(x);
        Assert.True(Enumerable.Range(0, d).Sum(j => (mean[j] - mu[j]) * u[j]) > 0.8 * shift);
        Assert.True(Math.Abs(Enumerable.Range(0, d).Sum(j => (output[j] - mu[j]) * u[j])) < 0.5);
        Assert.True(NaiveRobust.Distance(output, mu) < 1.5 * Math.Sqrt((double)d / (n - f)));
    }

    [Theory]
    [InlineData(100, 1000)]
    [InlineData(50, 20)]
    [InlineData(200, 50)]
    [InlineData(30, 5)]
    [InlineData(60, 1)]
    public void Clean_gaussian_rows_lose_at_most_5_percent(int n, int d)
    {
        for (var seed = 0; seed < 4; seed++)
        {
            var rows = NaiveRobust.Gaussian(n, d, seed, sigma: 3, center: NaiveRobust.Center(d, seed));
            NaiveRobust.Run(SpectralFilterRule.Create(n / 4, n, RuleParameters.Empty), rows, out var report);
            Assert.True(report.RowsDropped <= n / 20, $"seed {seed}: {report.RowsDropped} rows removed");
        }
    }

    [Fact]
    public void Without_outliers_it_is_the_mean()
    {
        var rows = NaiveRobust.Gaussian(40, 300, seed: 2, sigma: 1, center: NaiveRobust.Center(300, 2));
        var output = NaiveRobust.Run(new SpectralFilterRule(5), rows, out var report);
        Assert.Equal(0, report.Iterations);
        Assert.All(report.Weights.ToArray(), w => Assert.Equal(1.0 / 40, w, 1e-15));
        var mean = NaiveAggregation.Mean(rows, 300);
        for (var j = 0; j < 300; j++)
            Assert.Equal(mean[j], output[j], 1e-5);
    }

    [Fact]
    public void Far_outliers_below_a_third_are_removed_and_the_output_is_the_honest_mean()
    {
        const int n = 31, f = 10, d = 50;
        var center = NaiveRobust.Center(d, 8);
        var rows = NaiveRobust.WithFarOutliers(NaiveRobust.Gaussian(n, d, seed: 3, sigma: 1, center: center), f, center, 1e6);
        var output = NaiveRobust.Run(SpectralFilterRule.Create(f, n, RuleParameters.Empty), rows, out var report);
        var weights = report.Weights.ToArray();
        Assert.All(weights[..f], w => Assert.Equal(0, w));
        var honestMean = NaiveRobust.Mean(NaiveRobust.ToDouble(rows[f..]));
        // At most a few honest rows can go with them; the output stays within the honest sampling error.
        Assert.True(NaiveRobust.Distance(output, honestMean) <= 0.5 * Math.Sqrt(d), $"{NaiveRobust.Distance(output, honestMean)}");
        Assert.True(report.RowsDropped <= f + 2);
    }

    [Fact]
    public void Permuting_rows_permutes_the_weights()
    {
        var (rows, _, _, _) = AntiFilter(50, 200, 10, seed: 4, noise: 0.5);
        var order = Enumerable.Range(0, 50).ToArray();
        new Random(9).Shuffle(order);
        var original = NaiveRobust.Run(new SpectralFilterRule(10), rows, out var a);
        var permuted = NaiveRobust.Run(new SpectralFilterRule(10), order.Select(i => rows[i]).ToArray(), out var b);
        var wa = a.Weights.ToArray();
        var wb = b.Weights.ToArray();
        for (var r = 0; r < 50; r++)
            Assert.Equal(wa[order[r]], wb[r], 1e-9);
        for (var j = 0; j < 200; j++)
            Assert.Equal(original[j], permuted[j], 1e-4);
    }

    [Fact]
    public void Is_translation_equivariant()
    {
        var (rows, _, _, _) = AntiFilter(50, 100, 10, seed: 6, noise: 0.5);
        var shift = NaiveRobust.Center(100, 17);
        var moved = rows.Select(row => row.Select((x, j) => (float)(x + shift[j])).ToArray()).ToArray();
        var original = NaiveRobust.Run(new SpectralFilterRule(10), rows, out var a);
        var shifted = NaiveRobust.Run(new SpectralFilterRule(10), moved, out var b);
        Assert.Equal(a.Weights.ToArray().Select(w => w == 0), b.Weights.ToArray().Select(w => w == 0));
        for (var j = 0; j < 100; j++)
            Assert.Equal(original[j] + shift[j], shifted[j], 1e-3);
    }

    [Fact]
    public void One_shard_and_seven_shards_give_the_same_bits()
    {
        var (rows, _, _, _) = AntiFilter(30, 7000, 6, seed: 1, noise: 0.5);
        var one = NaiveRobust.Run(new SpectralFilterRule(6), rows, out var a, shards: 1);
        var seven = NaiveRobust.Run(new SpectralFilterRule(6), rows, out var b, shards: 7);
        Assert.True(a.RowsDropped >= 6);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
        Assert.Equal(a.Weights.ToArray(), b.Weights.ToArray());
        Assert.Equal(a.Objective, b.Objective);
    }

    [Fact]
    public void Hitting_the_cap_returns_the_current_weights()
    {
        var (rows, _, _, _) = AntiFilter(50, 100, 10, seed: 2, noise: 0.5);
        var output = NaiveRobust.Run(new SpectralFilterRule(10, maxIterations: 0), rows, out var report);
        Assert.False(report.Converged);
        Assert.Equal(0, report.Iterations);
        Assert.Equal(0, report.RowsDropped);
        var mean = NaiveAggregation.Mean(rows, 100);
        for (var j = 0; j < 100; j++)
            Assert.Equal(mean[j], output[j], 1e-4);
    }

    [Fact]
    public async Task Honest_variance_estimate_is_close_to_sigma_squared()
    {
        // A median of medians: rough at d = 1 (each row's median distance depends on where the row sits), tight at large d.
        foreach (var (d, error) in new[] { (1, 0.35), (10, 0.15), (500, 0.05) })
        {
            var rows = NaiveRobust.Gaussian(80, d, seed: d, sigma: 2, center: NaiveRobust.Center(d, 1));
            var gram = new double[80 * 80];
            await MatrixPasses.Local(TestData.Matrix(rows)).GramAsync(gram);
            Assert.InRange(SpectralFilterRule.HonestVariance(gram, 80, d), 4 * (1 - error), 4 * (1 + error));
        }
    }

    [Fact]
    public void Lanczos_finds_the_top_eigenpair_of_random_psd_matrices()
    {
        foreach (var n in new[] { 1, 2, 7, 40, 150 })
        {
            var random = new Random(n);
            var factor = Enumerable.Range(0, n * 5).Select(_ => NaiveRobust.Normal(random)).ToArray();
            var matrix = new double[n * n];
            var dense = new double[n, n];
            for (var i = 0; i < n; i++)
                for (var k = 0; k < n; k++)
                {
                    var sum = 0.0;
                    for (var t = 0; t < 5; t++)
                        sum += factor[i * 5 + t] * factor[k * 5 + t];
                    matrix[i * n + k] = sum + (i == k ? 0.1 : 0);
                    dense[i, k] = matrix[i * n + k];
                }
            var vector = new double[n];
            var top = new Lanczos(n).TopEigenpair(matrix, vector);
            var expected = Jacobi(dense, n).Values.Max();
            Assert.Equal(expected, top, 1e-9 * expected);
            for (var i = 0; i < n; i++)
            {
                var av = Enumerable.Range(0, n).Sum(k => matrix[i * n + k] * vector[k]);
                Assert.Equal(top * vector[i], av, 1e-7 * top);
            }
        }
    }

    [Fact]
    public void NaN_input_throws_ArgumentException()
    {
        var rows = NaiveRobust.Gaussian(7, 10, seed: 1);
        rows[0][9] = float.NaN;
        Assert.Throws<ArgumentException>(() => NaiveRobust.Run(new SpectralFilterRule(2), rows, out _));
    }

    [Theory]
    [InlineData(34, 100, "", "", "filter cannot tolerate f = 34 of n = 100: needs n > 3f")]
    [InlineData(1, 3, "", "", "filter cannot tolerate f = 1 of n = 3: needs n > 3f")]
    [InlineData(1, 10, "threshold", "-1", "parameter 'threshold'")]
    [InlineData(1, 10, "threshold", "high", "parameter 'threshold'")]
    [InlineData(1, 10, "threshold-factor", "0", "parameter 'threshold-factor'")]
    [InlineData(1, 10, "max-iterations", "-1", "parameter 'max-iterations'")]
    [InlineData(1, 10, "iterations", "5", "filter has no parameter 'iterations'")]
    public void Create_rejects_bad_parameters_and_impossible_f(int f, int n, string key, string value, string message)
    {
        var parameters = key == "" ? RuleParameters.Empty : NaiveRobust.Parameters((key, value));
        var error = Assert.Throws<ArgumentException>(() => SpectralFilterRule.Create(f, n, parameters));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Create_reads_its_parameters_and_rejects_a_factor_with_an_absolute_threshold()
    {
        var rule = SpectralFilterRule.Create(3, 10, NaiveRobust.Parameters(("threshold", "2.5"), ("max-iterations", "7")));
        Assert.Equal(2.5, rule.Threshold);
        Assert.Equal(7, rule.MaxIterations);
        Assert.Equal(10, rule.MinimumRows);
        var auto = SpectralFilterRule.Create(3, 10, NaiveRobust.Parameters(("threshold", "auto"), ("threshold-factor", "3")));
        Assert.Null(auto.Threshold);
        Assert.Equal(3, auto.ThresholdFactor);
        var error = Assert.Throws<ArgumentException>(() =>
            SpectralFilterRule.Create(3, 10, NaiveRobust.Parameters(("threshold", "2.5"), ("threshold-factor", "3"))));
        Assert.Contains("'threshold-factor' applies only with threshold = auto", error.Message);
    }
}
