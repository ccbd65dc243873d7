namespace FedActors.Aggregation.Tests;

public class MeanAroundMedianRuleTests
{
    [Fact]
    public void Averages_the_values_closest_to_the_median_by_hand()
    {
        // Column 0: {1, 2, 3, 100}, median 2.5: keep 1, 2, 3. Column 1: {-4, -4, 8, 0}, median -2: -4, -4, 0 are all
        // 2 away, 8 is 10 away. Column 2: {0, 2, 4, 6}, median 3: 2 and 4 are 1 away, 0 and 6 tie at 3 and the lower
        // value is kept.
        float[][] rows = [[1f, -4f, 0f], [2f, -4f, 6f], [3f, 8f, 4f], [100f, 0f, 2f]];
        var (output, report) = NaiveBaselines.Run(new MeanAroundMedianRule(1), rows);
        Assert.Equal([2f, (float)(-8.0 / 3), 2f], output);
        // Kept: rows 0, 1, 2 in column 0; rows 0, 1, 3 in column 1; rows 0, 2, 3 in column 2.
        Assert.Equal([3.0 / 9, 2.0 / 9, 2.0 / 9, 2.0 / 9], report.Weights.ToArray());
    }

    [Theory]
    [InlineData(5, 2)]
    [InlineData(8, 3)]
    [InlineData(33, 10)]
    [InlineData(64, 0)]
    [InlineData(101, 50)]
    [InlineData(TestData.SelectionRows, 300)]
    public void Agrees_bit_for_bit_with_a_naive_mean_around_median(int n, int f)
    {
        foreach (var ties in new[] { false, true })
        {
            var rows = TestData.Rows(n, 75, seed: n + f, ties);
            var (output, _) = NaiveBaselines.Run(new MeanAroundMedianRule(f), rows);
            Assert.Equal(TestData.Bits(NaiveBaselines.MeanAroundMedian(rows, f)), TestData.Bits(output));
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(7, 2)]
    [InlineData(64, 20)]
    [InlineData(200, 99)]
    public void The_network_and_sorting_paths_give_the_same_bits(int n, int f)
    {
        foreach (var ties in new[] { false, true })
        {
            var matrix = TestData.Matrix(TestData.Rows(n, 131, seed: n, ties));
            var range = new CoordinateRange(0, 131);
            var byNetwork = new float[131];
            var bySorting = new float[131];
            MeanAroundMedianRule.AggregateByNetwork(matrix, range, n - f, byNetwork, new AggregationWorkspace());
            MeanAroundMedianRule.AggregateBySorting(matrix, range, n - f, bySorting, new AggregationWorkspace());
            Assert.Equal(TestData.Bits(bySorting), TestData.Bits(byNetwork));
        }
    }

    [Theory]
    [InlineData(33)]
    [InlineData(TestData.SelectionRows + 1)]
    public void Is_exactly_permutation_invariant(int n)
    {
        foreach (var ties in new[] { false, true })
        {
            var rows = TestData.Rows(n, 100, seed: n, ties);
            var rule = new MeanAroundMedianRule(n / 4);
            Assert.Equal(
                TestData.Bits(TestData.Aggregate(rule, TestData.Matrix(rows))),
                TestData.Bits(TestData.Aggregate(rule, TestData.Matrix(TestData.Permuted(rows, seed: 4)))));
        }
    }

    [Fact]
    public void Is_translation_equivariant()
    {
        var rows = TestData.Rows(30, 100, seed: 3, ties: false);
        var shift = Enumerable.Range(0, 100).Select(j => (float)(j % 11 - 5) * 3.25f).ToArray();
        var shifted = rows.Select(row => row.Select((x, j) => x + shift[j]).ToArray()).ToArray();
        var rule = new MeanAroundMedianRule(7);
        var original = TestData.Aggregate(rule, TestData.Matrix(rows));
        var moved = TestData.Aggregate(rule, TestData.Matrix(shifted));
        for (var j = 0; j < 100; j++)
        {
            var scale = NaiveAggregation.MaxAbs(rows, j) + Math.Abs(shift[j]);
            Assert.True(Math.Abs(moved[j] - (original[j] + shift[j])) <= 4e-7 * scale, $"column {j}");
        }
    }

    [Theory]
    [InlineData(9, 4)]
    [InlineData(40, 19)]
    public void Stays_in_the_honest_range_when_f_rows_are_1e6_away(int n, int f)
    {
        var honest = TestData.Rows(n, 60, seed: n, ties: false);
        var (rows, byzantine) = NaiveBaselines.WithOutliers(honest, f, seed: n);
        var honestRows = rows.Where((_, i) => !byzantine[i]).ToArray();
        var (output, _) = NaiveBaselines.Run(new MeanAroundMedianRule(f), rows);
        for (var j = 0; j < 60; j++)
            Assert.InRange(output[j], honestRows.Min(row => row[j]), honestRows.Max(row => row[j]));
    }

    [Fact]
    public void With_f_0_it_is_the_mean()
    {
        var rows = TestData.Rows(20, 90, seed: 20, ties: false);
        var (output, _) = NaiveBaselines.Run(new MeanAroundMedianRule(0), rows);
        var mean = NaiveAggregation.Mean(rows, 90);
        for (var j = 0; j < 90; j++)
            Assert.Equal(mean[j], output[j], 1e-6 * NaiveAggregation.MaxAbs(rows, j));
    }

    [Fact]
    public void Seven_shards_give_the_same_bits_as_one()
    {
        var rows = TestData.Rows(15, 6000, seed: 15, ties: false);
        var (one, _) = NaiveBaselines.Run(new MeanAroundMedianRule(4), rows, shards: 1);
        var (seven, _) = NaiveBaselines.Run(new MeanAroundMedianRule(4), rows, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
    }

    [Fact]
    public void Rejects_NaN_and_too_few_rows()
    {
        var rows = TestData.Rows(5, 10, seed: 1, ties: false);
        Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new MeanAroundMedianRule(1), NaiveBaselines.WithNaN(rows, 2, 2)));
        var error = Assert.Throws<ArgumentException>(() => NaiveBaselines.Run(new MeanAroundMedianRule(3), rows));
        Assert.StartsWith("meamed needs at least 7 rows, the matrix has 5", error.Message);
    }

    [Theory]
    [InlineData(50, 100, "meamed cannot tolerate f = 50 of n = 100: needs n > 2f")]
    [InlineData(-1, 100, "meamed: f (Byzantine workers) must be >= 0, got f = -1")]
    [InlineData(1, 0, "meamed needs at least one worker, got n = 0")]
    public void Create_rejects_impossible_f(int f, int n, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => MeanAroundMedianRule.Create(f, n, RuleParameters.Empty));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Create_rejects_unknown_parameters_and_builds_the_rule()
    {
        var error = Assert.Throws<ArgumentException>(() => MeanAroundMedianRule.Create(1, 10, NaiveBaselines.Parameters(("beta", "3"))));
        Assert.StartsWith("meamed has no parameter 'beta'", error.Message);
        var rule = MeanAroundMedianRule.Create(4, 9, RuleParameters.Empty);
        Assert.Equal(("meamed", 4, 9), (rule.Name, rule.F, rule.MinimumRows));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MeanAroundMedianRule(-1));
    }
}
