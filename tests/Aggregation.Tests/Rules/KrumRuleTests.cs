namespace FedActors.Aggregation.Tests;

public class KrumRuleTests
{
    // One coordinate: 0, 1, 2, 10, 11. With f = 1 each score sums the 2 nearest squared distances:
    // 0: 1 + 4 = 5, 1: 1 + 1 = 2, 2: 1 + 4 = 5, 10: 1 + 64 = 65, 11: 1 + 81 = 82.
    private static readonly float[][] Line = [[0f], [1f], [2f], [10f], [11f]];

    [Fact]
    public void Selects_the_row_of_lowest_score_by_hand()
    {
        var (output, report) = NaiveBaselines.Run(new KrumRule(1), Line);
        Assert.Equal([1f], output);
        Assert.Equal([0.0, 1, 0, 0, 0], report.Weights.ToArray());
        Assert.Equal(2.0, report.Objective);
    }

    [Theory]
    [InlineData(7, 40, 1, 1)]
    [InlineData(12, 100, 3, 2)]
    [InlineData(25, 33, 5, 3)]
    [InlineData(40, 200, 18, 4)]
    public void Agrees_with_a_naive_krum(int n, int d, int f, int seed)
    {
        var rows = NaiveBaselines.Cluster(n, d, seed);
        var expected = NaiveBaselines.Krum(rows, f);
        var (output, report) = NaiveBaselines.Run(new KrumRule(f), rows);
        Assert.Equal(TestData.Bits(rows[expected]), TestData.Bits(output));
        for (var i = 0; i < n; i++)
            Assert.Equal(i == expected ? 1.0 : 0.0, report.Weights[i]);
        var naiveScore = NaiveBaselines.KrumScores(rows, f, Enumerable.Range(0, n).ToArray())[expected];
        Assert.Equal(naiveScore, report.Objective, naiveScore * 1e-9);
    }

    [Fact]
    public void Equal_scores_go_to_the_lower_row_index()
    {
        // Two mirror-image pairs: every row scores the same, so row 0 wins; reversed, the lowest index still wins.
        float[][] rows = [[-1f, 0f], [1f, 0f], [0f, -1f], [0f, 1f], [0f, 0f]];
        var (output, report) = NaiveBaselines.Run(new KrumRule(0), rows.Take(4).ToArray());
        Assert.Equal([-1f, 0f], output);
        Assert.Equal(1.0, report.Weights[0]);
        var (reversed, _) = NaiveBaselines.Run(new KrumRule(0), rows.Take(4).Reverse().ToArray());
        Assert.Equal([0f, 1f], reversed);
    }

    [Fact]
    public void Is_permutation_invariant_and_its_weight_follows_the_row()
    {
        var rows = NaiveBaselines.Cluster(15, 64, seed: 5);
        var permutation = Enumerable.Range(0, 15).ToArray();
        new Random(9).Shuffle(permutation);
        var permuted = permutation.Select(i => rows[i]).ToArray();
        var (output, report) = NaiveBaselines.Run(new KrumRule(3), rows);
        var (outputPermuted, reportPermuted) = NaiveBaselines.Run(new KrumRule(3), permuted);
        Assert.Equal(TestData.Bits(output), TestData.Bits(outputPermuted));
        for (var r = 0; r < 15; r++)
            Assert.Equal(report.Weights[permutation[r]], reportPermuted.Weights[r]);
    }

    [Fact]
    public void Is_translation_equivariant()
    {
        var rows = NaiveBaselines.Cluster(15, 64, seed: 6);
        var shifted = rows.Select(row => row.Select((x, j) => x + 50f + j).ToArray()).ToArray();
        var (_, report) = NaiveBaselines.Run(new KrumRule(3), rows);
        var (output, reportShifted) = NaiveBaselines.Run(new KrumRule(3), shifted);
        Assert.Equal(report.Weights.ToArray(), reportShifted.Weights.ToArray());
        var selected = report.Weights.IndexOf(1.0);
        Assert.Equal(shifted[selected], output);
    }

    [Theory]
    [InlineData(11, 4)]
    [InlineData(30, 13)]
    public void Outliers_1e6_away_are_never_selected(int n, int f)
    {
        var honest = NaiveBaselines.Cluster(n, 50, seed: n);
        var (rows, byzantine) = NaiveBaselines.WithOutliers(honest, f, seed: n);
        var (output, report) = NaiveBaselines.Run(new KrumRule(f), rows);
        var selected = report.Weights.IndexOf(1.0);
        Assert.False(byzantine[selected]);
        // The output is an honest row, so it lies within the honest rows' diameter of their mean.
        var honestRows = rows.Where((_, i) => !byzantine[i]).ToArray();
        var mean = NaiveBaselines.MeanOf(honestRows, Enumerable.Range(0, honestRows.Length));
        Assert.True(NaiveBaselines.Distance(output, mean) <= honestRows.Max(row => NaiveBaselines.Distance(row, mean)));
    }

    [Fact]
    public void Without_outliers_selects_a_central_row()
    {
        var rows = NaiveBaselines.Cluster(21, 100, seed: 8);
        var mean = NaiveBaselines.MeanOf(rows, Enumerable.Range(0, 21));
        var (output, _) = NaiveBaselines.Run(new KrumRule(4), rows);
        var distances = rows.Select(row => NaiveBaselines.Distance(row, mean)).Order().ToArray();
        Assert.True(NaiveBaselines.Distance(output, mean) <= distances[10], "Krum should pick a row closer to the mean than the median row");
    }

    [Fact]
    public void Seven_shards_give_the_same_bits_as_one()
    {
        var rows = NaiveBaselines.Cluster(12, 6000, seed: 12);
        var (one, reportOne) = NaiveBaselines.Run(new KrumRule(2), rows, shards: 1);
        var (seven, reportSeven) = NaiveBaselines.Run(new KrumRule(2), rows, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
        Assert.Equal(reportOne.Objective, reportSeven.Objective);
    }

    [Fact]
    public void Rejects_NaN_and_too_few_rows()
    {
        var rows = NaiveBaselines.Cluster(7, 10, seed: 1);
        Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new KrumRule(1), NaiveBaselines.WithNaN(rows, 3, 4)));
        var error = Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new KrumRule(3), rows));
        Assert.StartsWith("krum needs at least 9 rows, the matrix has 7", error.Message);
    }

    [Theory]
    [InlineData(50, 100, "krum cannot tolerate f = 50 of n = 100: needs n > 2f + 2")]
    [InlineData(1, 4, "krum cannot tolerate f = 1 of n = 4: needs n > 2f + 2")]
    [InlineData(-1, 4, "krum: f (Byzantine workers) must be >= 0, got f = -1")]
    public void Create_rejects_impossible_f(int f, int n, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => KrumRule.Create(f, n, RuleParameters.Empty));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Create_rejects_unknown_parameters_and_builds_the_rule()
    {
        var error = Assert.Throws<ArgumentException>(() => KrumRule.Create(1, 10, NaiveBaselines.Parameters(("m", "3"))));
        Assert.StartsWith("krum has no parameter 'm'", error.Message);
        var rule = KrumRule.Create(3, 9, RuleParameters.Empty);
        Assert.Equal(("krum", 3, 9), (rule.Name, rule.F, rule.MinimumRows));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrumRule(-1));
    }
}
