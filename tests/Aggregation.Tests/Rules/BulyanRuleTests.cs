namespace FedActors.Aggregation.Tests;

public class BulyanRuleTests
{
    [Fact]
    public void Selects_by_repeated_krum_and_averages_around_the_median_by_hand()
    {
        // One coordinate, f = 1, n = 7: theta = 5 rows selected, beta = 3 values kept. Krum on the shrinking set picks
        // 2 (score 10 with 4 neighbours), then 1 (14, tied with 3: lower index), then 3, then 0 (tied with 4 at 16),
        // and finally, with 0 neighbours, every remaining row scores 0 and the lowest index wins: row 4 (value 4).
        float[][] rows = [[0f], [1f], [2f], [3f], [4f], [100f], [-50f]];
        var (output, report) = NaiveBaselines.Run(new BulyanRule(1), rows);
        Assert.Equal([2f], output); // 1, 2, 3 are closest to the median 2 of {0, 1, 2, 3, 4}
        Assert.Equal([0.2, 0.2, 0.2, 0.2, 0.2, 0, 0], report.Weights.ToArray());

        // Put 100 first: the last step's 0-neighbour tie now selects it (index 0) instead of 4 (index 5), and the
        // coordinate-wise step drops it.
        float[][] farFirst = [[100f], [0f], [1f], [2f], [3f], [4f], [-50f]];
        var (again, reportAgain) = NaiveBaselines.Run(new BulyanRule(1), farFirst);
        Assert.Equal([2f], again);
        Assert.Equal([0.2, 0.2, 0.2, 0.2, 0.2, 0, 0], reportAgain.Weights.ToArray());
    }

    [Theory]
    [InlineData(3, 20, 0, 1)]
    [InlineData(7, 40, 1, 2)]
    [InlineData(12, 100, 2, 3)]
    [InlineData(23, 33, 5, 4)]
    [InlineData(40, 64, 9, 5)]
    public void Agrees_with_a_naive_bulyan(int n, int d, int f, int seed)
    {
        foreach (var clustered in new[] { true, false })
            AgreesWithNaive(clustered ? NaiveBaselines.Cluster(n, d, seed) : TestData.Rows(n, d, seed, ties: false), f);
    }

    private static void AgreesWithNaive(float[][] rows, int f)
    {
        var n = rows.Length;
        var selection = NaiveBaselines.BulyanSelection(rows, f);
        var (output, report) = NaiveBaselines.Run(new BulyanRule(f), rows);
        Assert.Equal(TestData.Bits(NaiveBaselines.Bulyan(rows, f)), TestData.Bits(output));
        for (var i = 0; i < n; i++)
            Assert.Equal(selection.Contains(i) ? 1.0 / (n - 2 * f) : 0.0, report.Weights[i]);
        Assert.Equal(1.0, report.Weights.ToArray().Sum(), 1e-12);
    }

    [Fact]
    public void Is_permutation_invariant()
    {
        var rows = NaiveBaselines.Cluster(19, 64, seed: 5);
        var permutation = Enumerable.Range(0, 19).ToArray();
        new Random(9).Shuffle(permutation);
        var (output, report) = NaiveBaselines.Run(new BulyanRule(4), rows);
        var (permuted, permutedReport) = NaiveBaselines.Run(new BulyanRule(4), permutation.Select(i => rows[i]).ToArray());
        Assert.Equal(TestData.Bits(output), TestData.Bits(permuted));
        for (var r = 0; r < 19; r++)
            Assert.Equal(report.Weights[permutation[r]], permutedReport.Weights[r]);
    }

    [Fact]
    public void Is_translation_equivariant() => NaiveBaselines.AssertTranslationEquivariant(() => new BulyanRule(3));

    [Theory]
    [InlineData(11, 2)]
    [InlineData(31, 7)]
    public void Stays_in_the_honest_range_when_f_rows_are_1e6_away(int n, int f)
    {
        var honest = NaiveBaselines.Cluster(n, 50, seed: n);
        var (rows, byzantine) = NaiveBaselines.WithOutliers(honest, f, seed: n);
        var honestRows = rows.Where((_, i) => !byzantine[i]).ToArray();
        var (output, _) = NaiveBaselines.Run(new BulyanRule(f), rows);
        for (var j = 0; j < 50; j++)
            Assert.InRange(output[j], honestRows.Min(row => row[j]), honestRows.Max(row => row[j]));
    }

    [Fact]
    public void Without_outliers_it_is_close_to_the_mean()
    {
        var rows = NaiveBaselines.Cluster(23, 100, seed: 8);
        var mean = NaiveBaselines.MeanOf(rows, Enumerable.Range(0, 23));
        var (output, _) = NaiveBaselines.Run(new BulyanRule(2), rows);
        var nearestRow = rows.Min(row => NaiveBaselines.Distance(row, mean));
        Assert.True(NaiveBaselines.Distance(output, mean) < nearestRow / 2);
    }

    [Fact]
    public void Seven_shards_give_the_same_bits_as_one()
    {
        var rows = NaiveBaselines.Cluster(11, 6000, seed: 11);
        var (one, _) = NaiveBaselines.Run(new BulyanRule(2), rows, shards: 1);
        var (seven, _) = NaiveBaselines.Run(new BulyanRule(2), rows, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
    }

    [Fact]
    public void Rejects_NaN_and_too_few_rows()
    {
        var rows = NaiveBaselines.Cluster(7, 10, seed: 1);
        Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new BulyanRule(1), NaiveBaselines.WithNaN(rows, 6, 0)));
        var error = Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new BulyanRule(2), rows));
        Assert.StartsWith("bulyan needs at least 11 rows, the matrix has 7", error.Message);
    }

    [Theory]
    [InlineData(3, 14, "bulyan cannot tolerate f = 3 of n = 14: needs n >= 4f + 3")]
    [InlineData(0, 2, "bulyan cannot tolerate f = 0 of n = 2: needs n >= 4f + 3")]
    [InlineData(-2, 14, "bulyan: f (Byzantine workers) must be >= 0, got f = -2")]
    public void Create_rejects_impossible_f(int f, int n, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => BulyanRule.Create(f, n, RuleParameters.Empty));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Create_rejects_unknown_parameters_and_builds_the_rule()
    {
        var error = Assert.Throws<ArgumentException>(() => BulyanRule.Create(1, 10, NaiveBaselines.Parameters(("m", "3"))));
        Assert.StartsWith("bulyan has no parameter 'm'", error.Message);
        var rule = BulyanRule.Create(3, 15, RuleParameters.Empty);
        Assert.Equal(("bulyan", 3, 15), (rule.Name, rule.F, rule.MinimumRows));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BulyanRule(-1));
    }
}
