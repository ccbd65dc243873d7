namespace FedActors.Aggregation.Tests;

public class BucketingTests
{
    [Fact]
    public void Buckets_are_means_of_s_rows_of_a_seeded_fisher_yates_shuffle()
    {
        var rows = TestData.Rows(7, 20, seed: 1, ties: false);
        var (mixed, mixing) = PreAggregationTestKit.Apply(new Bucketing(3), rows, context: AggregationContext.ForRows(7, seed: 42));

        // The documented shuffle, written out: for t = n-1 down to 1 swap t with Random.Next(t + 1).
        var random = new Random(42);
        var order = Enumerable.Range(0, 7).ToArray();
        for (var t = 6; t > 0; t--)
        {
            var u = random.Next(t + 1);
            (order[t], order[u]) = (order[u], order[t]);
        }
        int[][] buckets = [order[..3], order[3..6], order[6..]];
        Assert.Equal(3, mixed.Length);
        for (var b = 0; b < 3; b++)
        {
            for (var i = 0; i < 7; i++)
                Assert.Equal(buckets[b].Contains(i) ? 1.0 / buckets[b].Length : 0, mixing[b * 7 + i]);
        }
        var expected = buckets.Select(bucket => NaiveBaselines.MeanOf(rows, bucket)).ToArray();
        PreAggregationTestKit.AssertRowsClose(expected, mixed, 1e-6);
    }

    [Fact]
    public void Every_row_lands_in_exactly_one_bucket_and_the_last_may_be_smaller()
    {
        foreach (var (n, s) in new[] { (10, 2), (10, 3), (9, 9), (5, 1), (4, 7) })
        {
            var (_, mixing) = PreAggregationTestKit.Apply(new Bucketing(s), TestData.Rows(n, 3, seed: n, ties: false));
            var buckets = mixing.Length / n;
            Assert.Equal((n + s - 1) / s, buckets);
            for (var i = 0; i < n; i++)
                Assert.Equal(1, Enumerable.Range(0, buckets).Count(b => mixing[b * n + i] > 0));
            var sizes = Enumerable.Range(0, buckets).Select(b => Enumerable.Range(0, n).Count(i => mixing[b * n + i] > 0)).ToArray();
            Assert.All(sizes[..^1], size => Assert.Equal(s, size));
            Assert.Equal(n - s * (buckets - 1), sizes[^1]);
            for (var b = 0; b < buckets; b++)
                Assert.Equal(1.0, Enumerable.Range(0, n).Sum(i => mixing[b * n + i]), 1e-12);
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_buckets_and_another_seed_others()
    {
        var rows = TestData.Rows(20, 5, seed: 3, ties: false);
        var (_, first) = PreAggregationTestKit.Apply(new Bucketing(), rows, context: AggregationContext.ForRows(20, seed: 7));
        var (_, again) = PreAggregationTestKit.Apply(new Bucketing(), rows, context: AggregationContext.ForRows(20, seed: 7));
        var (_, other) = PreAggregationTestKit.Apply(new Bucketing(), rows, context: AggregationContext.ForRows(20, seed: 8));
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Before_the_mean_it_is_the_mean_and_weights_map_back_evenly()
    {
        var rows = TestData.Rows(12, 6000, seed: 4, ties: false);
        var pipeline = new AggregationPipeline([new Bucketing(3)], new MeanRule());
        var one = new float[6000];
        var seven = new float[6000];
        var report = pipeline.Aggregate(TestData.Matrix(rows), one, shards: 1);
        pipeline.Aggregate(TestData.Matrix(rows), seven, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
        var mean = NaiveAggregation.Mean(rows, 6000);
        for (var j = 0; j < 6000; j++)
            Assert.Equal(mean[j], one[j], 1e-6 * NaiveAggregation.MaxAbs(rows, j));
        Assert.All(report.Weights.ToArray(), weight => Assert.Equal(1 / 12.0, weight, 1e-12));
    }

    [Fact]
    public void Before_the_median_outliers_1e6_away_stay_out_of_it()
    {
        // s = 2 with f = 2 of 21 rows: at most 2 of the 11 buckets hold an outlier, and the median of 11 ignores them.
        var honest = NaiveBaselines.Cluster(21, 30, seed: 21);
        var (rows, byzantine) = NaiveBaselines.WithOutliers(honest, 2, seed: 21);
        var honestRows = rows.Where((_, i) => !byzantine[i]).ToArray();
        var output = new float[30];
        new AggregationPipeline([new Bucketing(2)], new CoordinateWiseMedianRule(2)).Aggregate(TestData.Matrix(rows), output);
        for (var j = 0; j < 30; j++)
            Assert.InRange(output[j], honestRows.Min(row => row[j]), honestRows.Max(row => row[j]));
    }

    [Fact]
    public void Rejects_NaN()
    {
        var rows = NaiveBaselines.WithNaN(TestData.Rows(6, 4, seed: 1, ties: false), 0, 0);
        Assert.Throws<ArgumentException>(() => PreAggregationTestKit.Apply(new Bucketing(), rows));
    }

    [Theory]
    [InlineData(1, 10, "0", "parameter 's': 0 is outside [1, 10]")]
    [InlineData(1, 10, "11", "parameter 's': 11 is outside [1, 10]")]
    [InlineData(11, 10, "2", "bucketing: f = 11 Byzantine workers exceeds n = 10 workers")]
    public void Create_rejects_bad_s_and_impossible_f(int f, int n, string s, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Bucketing.Create(f, n, NaiveBaselines.Parameters(("s", s))));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Create_reads_s_with_default_2_and_rejects_unknown_parameters()
    {
        Assert.Equal(2, Bucketing.Create(1, 10, RuleParameters.Empty).S);
        Assert.Equal(5, Bucketing.Create(1, 10, NaiveBaselines.Parameters(("s", "5"))).S);
        var error = Assert.Throws<ArgumentException>(() => Bucketing.Create(1, 10, NaiveBaselines.Parameters(("size", "5"))));
        Assert.StartsWith("bucketing has no parameter 'size'", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Bucketing(0));
    }
}
