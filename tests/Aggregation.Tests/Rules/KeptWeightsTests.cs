namespace FedActors.Aggregation.Tests;

/// <summary>
/// Row weights of the coordinate-wise order-statistic rules: c_i / sum_k c_k with c_i the coordinates at which row
/// i's value lies in the band [low_j, high_j] of values the rule kept (ties at the bounds all count).
/// </summary>
public class KeptWeightsTests
{
    [Fact]
    public void Median_of_odd_n_weighs_the_middle_row_of_each_column_and_every_tied_copy()
    {
        // Columns 0 and 1: row 2 holds the median. Column 2 {0, 0, 5, 5, 9}: the median 5 is held by rows 2 and 3.
        float[][] rows = [[1f, 10f, 0f], [2f, 20f, 0f], [3f, 30f, 5f], [4f, 40f, 5f], [100f, 50f, 9f]];
        var (output, report) = NaiveBaselines.Run(new CoordinateWiseMedianRule(1), rows);
        Assert.Equal([3f, 30f, 5f], output);
        Assert.Equal([0, 0, 3.0 / 4, 1.0 / 4, 0], report.Weights.ToArray());
    }

    [Fact]
    public void Median_of_even_n_counts_both_middle_values()
    {
        // Column 0 {1, 2, 3, 4}: band [2, 3], rows 1 and 2. Column 1 {1, 7, 7, 7}: band [7, 7], and all three sevens
        // count although the median uses two.
        float[][] rows = [[1f, 7f], [2f, 7f], [3f, 7f], [4f, 1f]];
        var (output, report) = NaiveBaselines.Run(new CoordinateWiseMedianRule(1), rows);
        Assert.Equal([2.5f, 7f], output);
        Assert.Equal([1.0 / 5, 2.0 / 5, 2.0 / 5, 0], report.Weights.ToArray());
    }

    [Fact]
    public void Trimmed_mean_counts_ranks_f_to_n_minus_f_minus_1_and_tied_copies_of_the_bounds()
    {
        // Column 0 {0, 1, 2, 3, 9}: ranks 1..3 are rows 1, 2, 3. Column 1 {-1, 5, 5, 5, 6}: band [5, 5], rows 0, 1, 2.
        // Column 2 {0, 5, 5, 5, 5}: band [5, 5], rows 0..3 (four counted, three kept). Row 4 is trimmed everywhere.
        float[][] rows = [[0f, 5f, 5f], [1f, 5f, 5f], [2f, 5f, 5f], [3f, 6f, 5f], [9f, -1f, 0f]];
        var (output, report) = NaiveBaselines.Run(new TrimmedMeanRule(1), rows);
        Assert.Equal([2f, 5f, 5f], output);
        Assert.Equal([2.0 / 10, 3.0 / 10, 3.0 / 10, 2.0 / 10, 0], report.Weights.ToArray());
    }

    [Fact]
    public void Trimmed_mean_without_trimming_weighs_every_row_one_nth()
    {
        var (_, report) = NaiveBaselines.Run(new TrimmedMeanRule(0), TestData.Rows(7, 50, seed: 3, ties: false));
        Assert.All(report.Weights.ToArray(), weight => Assert.Equal(1.0 / 7, weight));
    }

    [Fact]
    public void Meamed_counts_the_window_closest_to_the_median()
    {
        // Column 0 {1, 2, 3, 100}: keep 1, 2, 3 (rows 0, 1, 2). Column 1 {-4, -4, 8, 0}, median -2: keep -4, -4, 0
        // (rows 0, 1, 3). Column 2 {0, 6, 4, 2}, median 3: 0 and 6 tie and the lower is kept: 0, 2, 4 (rows 0, 3, 2).
        float[][] rows = [[1f, -4f, 0f], [2f, -4f, 6f], [3f, 8f, 4f], [100f, 0f, 2f]];
        var (_, report) = NaiveBaselines.Run(new MeanAroundMedianRule(1), rows);
        Assert.Equal([3.0 / 9, 2.0 / 9, 2.0 / 9, 2.0 / 9], report.Weights.ToArray());
    }

    [Fact]
    public void Meamed_counts_every_copy_of_a_tied_bound_and_gives_an_outlier_zero()
    {
        // n = 5, f = 2, keep 3. Column 0 {1, 1, 1, 1, 9}: band [1, 1], rows 0..3. Column 1 {0, 2, 4, 6, 100}, median
        // 4: keep 2, 4, 6 (rows 1, 2, 3). Row 4 is never kept.
        float[][] rows = [[1f, 0f], [1f, 2f], [1f, 4f], [1f, 6f], [9f, 100f]];
        var (output, report) = NaiveBaselines.Run(new MeanAroundMedianRule(2), rows);
        Assert.Equal([1f, 4f], output);
        Assert.Equal([1.0 / 7, 2.0 / 7, 2.0 / 7, 2.0 / 7, 0], report.Weights.ToArray());
    }

    public static TheoryData<string, int, int> RulesAndShapes()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var rule in new[] { "median", "trimmed-mean", "meamed" })
        {
            data.Add(rule, 5, 2);
            data.Add(rule, 8, 3);
            data.Add(rule, 33, 10);
            data.Add(rule, TestData.SelectionRows, 300);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RulesAndShapes))]
    public void Weights_equal_an_independent_count_over_sorted_columns(string name, int n, int f)
    {
        foreach (var ties in new[] { false, true })
        {
            var rows = TestData.Rows(n, 37, seed: n + f, ties);
            var (_, report) = NaiveBaselines.Run(Rule(name, f), rows);
            Assert.Equal(NaiveWeights(name, rows, f), report.Weights.ToArray());
        }
    }

    [Theory]
    [InlineData("median")]
    [InlineData("trimmed-mean")]
    [InlineData("meamed")]
    public void Rows_1e6_away_weigh_zero_the_weights_sum_to_one_and_seven_shards_give_the_same_bits(string name)
    {
        const int n = 15, f = 4, d = 6000;
        var (rows, byzantine) = NaiveBaselines.WithOutliers(NaiveBaselines.Cluster(n, d, seed: 8), f, seed: 8);
        var (oneOutput, one) = NaiveBaselines.Run(Rule(name, f), rows, shards: 1);
        var (sevenOutput, seven) = NaiveBaselines.Run(Rule(name, f), rows, shards: 7);

        Assert.Equal(TestData.Bits(oneOutput), TestData.Bits(sevenOutput));
        Assert.Equal(one.Weights.ToArray().Select(BitConverter.DoubleToInt64Bits), seven.Weights.ToArray().Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(NaiveWeights(name, rows, f), one.Weights.ToArray());
        Assert.Equal(1.0, one.Weights.ToArray().Sum(), 1e-12);
        for (var i = 0; i < n; i++)
        {
            if (byzantine[i])
                Assert.Equal(0, one.Weights[i]);
            else
                Assert.True(one.Weights[i] > 0, $"honest row {i} has weight {one.Weights[i]}");
        }
        Assert.Equal(f, one.RowsDropped);
    }

    [Fact]
    public void Weights_are_invariant_to_permuting_the_rows()
    {
        var rows = TestData.Rows(9, 200, seed: 4, ties: true);
        var permutation = Enumerable.Range(0, 9).ToArray();
        new Random(4).Shuffle(permutation);
        var permuted = permutation.Select(i => rows[i]).ToArray();
        foreach (var name in new[] { "median", "trimmed-mean", "meamed" })
        {
            var (_, original) = NaiveBaselines.Run(Rule(name, 3), rows);
            var (_, shuffled) = NaiveBaselines.Run(Rule(name, 3), permuted);
            for (var r = 0; r < 9; r++)
                Assert.Equal(original.Weights[permutation[r]], shuffled.Weights[r]);
        }
    }

    private static IAggregationRule Rule(string name, int f) => name switch
    {
        "median" => new CoordinateWiseMedianRule(f),
        "trimmed-mean" => new TrimmedMeanRule(f),
        _ => new MeanAroundMedianRule(f),
    };

    /// <summary>The band per column from a full sort (meamed: the first window of n - f sorted values with
    /// m - s[p] &lt;= s[p + k] - m, found by a linear scan), then counts and c_i / sum c.</summary>
    private static double[] NaiveWeights(string name, float[][] rows, int f)
    {
        var n = rows.Length;
        var counts = new long[n];
        for (var j = 0; j < rows[0].Length; j++)
        {
            var sorted = rows.Select(row => row[j]).Order().ToArray();
            float low, high;
            switch (name)
            {
                case "median":
                    (low, high) = (sorted[(n - 1) / 2], sorted[n / 2]);
                    break;
                case "trimmed-mean":
                    (low, high) = (sorted[f], sorted[n - f - 1]);
                    break;
                default:
                    var k = n - f;
                    var median = ((double)sorted[(n - 1) / 2] + sorted[n / 2]) / 2;
                    var p = 0;
                    while (p < n - k && median - sorted[p] > sorted[p + k] - median)
                        p++;
                    (low, high) = (sorted[p], sorted[p + k - 1]);
                    break;
            }
            for (var i = 0; i < n; i++)
            {
                if (low <= rows[i][j] && rows[i][j] <= high)
                    counts[i]++;
            }
        }
        double total = counts.Sum();
        return counts.Select(count => count / total).ToArray();
    }
}
