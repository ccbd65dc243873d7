namespace FedActors.Aggregation.Tests;

public class MultiKrumRuleTests
{
    // One coordinate: 0, 1, 2, 10, 11; with f = 1 the Krum scores are 5, 2, 5, 65, 82 (see KrumRuleTests).
    private static readonly float[][] Line = [[0f], [1f], [2f], [10f], [11f]];

    [Theory]
    [InlineData(null, 3.25f, new[] { 0.25, 0.25, 0.25, 0.25, 0 })] // m = n - f = 4: rows 1, 0, 2, 10
    [InlineData(3, 1f, new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0, 0, 0 })]
    [InlineData(2, 0.5f, new[] { 0.5, 0.5, 0, 0, 0 })] // rows 0 and 2 tie at 5: the lower index is taken
    [InlineData(1, 1f, new[] { 0.0, 1, 0, 0, 0 })]
    public void Averages_the_m_rows_of_lowest_score_by_hand(int? m, float expected, double[] weights)
    {
        var (output, report) = NaiveBaselines.Run(new MultiKrumRule(1, m), Line);
        Assert.Equal([expected], output);
        Assert.Equal(weights, report.Weights.ToArray());
    }

    [Theory]
    [InlineData(7, 40, 1, null, 1)]
    [InlineData(12, 100, 3, 5, 2)]
    [InlineData(25, 33, 5, null, 3)]
    [InlineData(40, 200, 18, 30, 4)]
    public void Agrees_with_a_naive_multi_krum(int n, int d, int f, int? m, int seed)
    {
        var rows = NaiveBaselines.Cluster(n, d, seed);
        var selection = NaiveBaselines.MultiKrumSelection(rows, f, m ?? n - f);
        var expected = NaiveBaselines.MeanOf(rows, selection);
        var (output, report) = NaiveBaselines.Run(new MultiKrumRule(f, m), rows);
        for (var j = 0; j < d; j++)
            Assert.Equal(expected[j], output[j], 1e-6 * (1 + Math.Abs(expected[j])));
        for (var i = 0; i < n; i++)
            Assert.Equal(selection.Contains(i) ? 1.0 / selection.Length : 0.0, report.Weights[i]);
        Assert.Equal(1.0, report.Weights.ToArray().Sum(), 1e-12);
    }

    [Fact]
    public void With_m_equal_to_n_it_is_the_mean()
    {
        var rows = TestData.Rows(9, 70, seed: 2, ties: false);
        var (output, report) = NaiveBaselines.Run(new MultiKrumRule(2, 9), rows);
        var mean = NaiveAggregation.Mean(rows, 70);
        for (var j = 0; j < 70; j++)
            Assert.Equal(mean[j], output[j], 1e-6 * NaiveAggregation.MaxAbs(rows, j));
        Assert.All(report.Weights.ToArray(), weight => Assert.Equal(1 / 9.0, weight));
    }

    [Fact]
    public void Is_permutation_invariant_within_rounding()
    {
        var rows = NaiveBaselines.Cluster(15, 64, seed: 5);
        var permutation = Enumerable.Range(0, 15).ToArray();
        new Random(9).Shuffle(permutation);
        var (output, report) = NaiveBaselines.Run(new MultiKrumRule(3), rows);
        var (permuted, permutedReport) = NaiveBaselines.Run(new MultiKrumRule(3), permutation.Select(i => rows[i]).ToArray());
        for (var j = 0; j < 64; j++)
            Assert.Equal(output[j], permuted[j], 1e-6 * (1 + Math.Abs(output[j])));
        for (var r = 0; r < 15; r++)
            Assert.Equal(report.Weights[permutation[r]], permutedReport.Weights[r]);
    }

    [Fact]
    public void Is_translation_equivariant() => NaiveBaselines.AssertTranslationEquivariant(() => new MultiKrumRule(3));

    [Theory]
    [InlineData(11, 4)]
    [InlineData(30, 13)]
    public void Outliers_1e6_away_get_weight_0_and_the_output_stays_near_the_honest_mean(int n, int f)
    {
        var honest = NaiveBaselines.Cluster(n, 50, seed: n);
        var (rows, byzantine) = NaiveBaselines.WithOutliers(honest, f, seed: n);
        var (output, report) = NaiveBaselines.Run(new MultiKrumRule(f), rows);
        for (var i = 0; i < n; i++)
        {
            if (byzantine[i])
                Assert.Equal(0.0, report.Weights[i]);
        }
        var honestRows = rows.Where((_, i) => !byzantine[i]).ToArray();
        var mean = NaiveBaselines.MeanOf(honestRows, Enumerable.Range(0, honestRows.Length));
        // A mean of honest rows lies within their largest distance to their mean.
        Assert.True(NaiveBaselines.Distance(output, mean) <= honestRows.Max(row => NaiveBaselines.Distance(row, mean)));
    }

    [Fact]
    public void Without_outliers_it_is_close_to_the_mean()
    {
        var rows = NaiveBaselines.Cluster(21, 100, seed: 8);
        var mean = NaiveBaselines.MeanOf(rows, Enumerable.Range(0, 21));
        var (output, _) = NaiveBaselines.Run(new MultiKrumRule(4), rows);
        // 17 of 21 rows averaged: far closer to the mean than any single row (spread 1 per coordinate, d = 100).
        var nearestRow = rows.Min(row => NaiveBaselines.Distance(row, mean));
        Assert.True(NaiveBaselines.Distance(output, mean) < nearestRow / 2);
    }

    [Fact]
    public void Seven_shards_give_the_same_bits_as_one()
    {
        var rows = NaiveBaselines.Cluster(12, 6000, seed: 12);
        var (one, _) = NaiveBaselines.Run(new MultiKrumRule(2), rows, shards: 1);
        var (seven, _) = NaiveBaselines.Run(new MultiKrumRule(2), rows, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
    }

    [Fact]
    public void Rejects_NaN_and_too_few_rows()
    {
        var rows = NaiveBaselines.Cluster(7, 10, seed: 1);
        Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new MultiKrumRule(1), NaiveBaselines.WithNaN(rows, 0, 9)));
        var error = Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new MultiKrumRule(1, m: 8), rows));
        Assert.StartsWith("multi-krum needs at least 8 rows, the matrix has 7", error.Message);
    }

    [Theory]
    [InlineData(50, 100, "", "multi-krum cannot tolerate f = 50 of n = 100: needs n > 2f + 2")]
    [InlineData(2, 10, "0", "parameter 'm': 0 is outside [1, 10]")]
    [InlineData(2, 10, "11", "parameter 'm': 11 is outside [1, 10]")]
    [InlineData(2, 10, "half", "parameter 'm': expected a whole number, got 'half'")]
    public void Create_rejects_impossible_f_and_bad_m(int f, int n, string m, string message)
    {
        var parameters = m.Length == 0 ? RuleParameters.Empty : NaiveBaselines.Parameters(("m", m));
        var error = Assert.Throws<ArgumentException>(() => MultiKrumRule.Create(f, n, parameters));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Create_reads_m_and_rejects_unknown_parameters()
    {
        Assert.Equal(5, MultiKrumRule.Create(2, 10, NaiveBaselines.Parameters(("m", "5"))).M);
        Assert.Null(MultiKrumRule.Create(2, 10, NaiveBaselines.Parameters(("m", "auto"))).M);
        var error = Assert.Throws<ArgumentException>(() => MultiKrumRule.Create(2, 10, NaiveBaselines.Parameters(("mm", "5"))));
        Assert.StartsWith("multi-krum has no parameter 'mm'", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiKrumRule(1, 0));
    }
}
