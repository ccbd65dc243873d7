namespace FedActors.Aggregation.Tests;

public class NearestNeighbourMixingTests
{
    [Fact]
    public void Mixes_each_row_with_its_nearest_rows_by_hand()
    {
        // One coordinate: 0, 1, 2, 10 with f = 1, so each row mixes 3 rows. Row 1 is 1 from both 0 and 2 (kept both);
        // row 10's nearest are 2 (64) and 1 (81).
        float[][] rows = [[0f], [1f], [2f], [10f]];
        var (mixed, mixing) = PreAggregationTestKit.Apply(new NearestNeighbourMixing(1), rows);
        Assert.Equal([[1f], [1f], [1f], [13f / 3]], mixed);
        var third = 1.0 / 3;
        Assert.Equal([third, third, third, 0, third, third, third, 0, third, third, third, 0, 0, third, third, third], mixing);
    }

    [Fact]
    public void Equal_distances_go_to_the_lower_row_index()
    {
        // Row 2 (value 0) is 1 from rows 0 (-1), 1 (1) and 3 (-1) alike; with f = 2 it mixes itself, row 0 and row 1.
        float[][] rows = [[-1f], [1f], [0f], [-1f], [5f]];
        var (_, mixing) = PreAggregationTestKit.Apply(new NearestNeighbourMixing(2), rows);
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0, 0, 0], mixing.Skip(2 * 5).Take(5).ToArray());
    }

    [Theory]
    [InlineData(7, 30, 2, 1, false)]
    [InlineData(20, 64, 6, 2, false)]
    [InlineData(33, 10, 16, 3, false)]
    [InlineData(60, 2, 20, 4, true)] // integers in [-3, 3] on 2 coordinates: many equal distances, ties by row index
    public void Agrees_with_naive_nearest_neighbour_mixing(int n, int d, int f, int seed, bool ties)
    {
        var rows = TestData.Rows(n, d, seed, ties);
        var expectedMixing = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            var nearest = Enumerable.Range(0, n).Where(k => k != i)
                .OrderBy(k => NaiveBaselines.SquaredDistance(rows[i], rows[k])).ThenBy(k => k).Take(n - f - 1).Append(i);
            foreach (var k in nearest)
                expectedMixing[i * n + k] = 1.0 / (n - f);
        }
        var (mixed, mixing) = PreAggregationTestKit.Apply(new NearestNeighbourMixing(f), rows);
        Assert.Equal(expectedMixing, mixing);
        PreAggregationTestKit.AssertRowsClose(PreAggregationTestKit.Multiply(expectedMixing, rows), mixed, 1e-6);
    }

    [Fact]
    public void Permuting_the_rows_permutes_the_mixed_rows()
    {
        var rows = NaiveBaselines.Cluster(15, 40, seed: 4);
        var permutation = Enumerable.Range(0, 15).ToArray();
        new Random(2).Shuffle(permutation);
        var (mixed, _) = PreAggregationTestKit.Apply(new NearestNeighbourMixing(4), rows);
        var (permuted, _) = PreAggregationTestKit.Apply(new NearestNeighbourMixing(4), permutation.Select(i => rows[i]).ToArray());
        for (var r = 0; r < 15; r++)
        {
            for (var j = 0; j < 40; j++)
                Assert.Equal(mixed[permutation[r]][j], permuted[r][j], 1e-5 * (1 + Math.Abs(permuted[r][j])));
        }
    }

    [Fact]
    public void Before_the_median_it_runs_maps_weights_back_and_gives_the_same_bits_on_seven_shards()
    {
        var rows = NaiveBaselines.Cluster(11, 6000, seed: 11);
        var pipeline = new AggregationPipeline([new NearestNeighbourMixing(3)], new CoordinateWiseMedianRule(3));
        Assert.Equal("nnm+median", pipeline.Name);
        var one = new float[6000];
        var seven = new float[6000];
        var report = pipeline.Aggregate(TestData.Matrix(rows), one, shards: 1);
        var sevenReport = pipeline.Aggregate(TestData.Matrix(rows), seven, shards: 7);
        Assert.Equal(TestData.Bits(one), TestData.Bits(seven));
        Assert.Equal(report.Weights.ToArray(), sevenReport.Weights.ToArray());

        var (mixed, mixing) = PreAggregationTestKit.Apply(new NearestNeighbourMixing(3), rows);
        Assert.Equal(TestData.Bits(NaiveAggregation.Median(mixed, 6000)), TestData.Bits(one));
        // The median's weights of the mixed rows, mapped back: input row i weighs sum_r w_r * M[r, i].
        var (_, mixedReport) = NaiveBaselines.Run(new CoordinateWiseMedianRule(3), mixed);
        var expected = new double[11];
        for (var r = 0; r < 11; r++)
        {
            for (var i = 0; i < 11; i++)
                expected[i] += mixedReport.Weights[r] * mixing[r * 11 + i];
        }
        Assert.Equal(11, report.Weights.Length);
        for (var i = 0; i < 11; i++)
            Assert.Equal(expected[i] / expected.Sum(), report.Weights[i], 1e-12);
        Assert.Equal(1.0, report.Weights.ToArray().Sum(), 1e-12);
    }

    [Fact]
    public void Before_krum_the_weights_map_back_to_the_rows_mixed_into_the_selected_row()
    {
        var rows = NaiveBaselines.Cluster(12, 30, seed: 5);
        var pipeline = new AggregationPipeline([new NearestNeighbourMixing(2)], new KrumRule(2));
        var output = new float[30];
        var report = pipeline.Aggregate(TestData.Matrix(rows), output);
        var (mixed, mixing) = PreAggregationTestKit.Apply(new NearestNeighbourMixing(2), rows);
        var selected = NaiveBaselines.Krum(mixed, 2);
        Assert.Equal(mixed[selected], output);
        for (var i = 0; i < 12; i++)
            Assert.Equal(mixing[selected * 12 + i], report.Weights[i], 1e-12);
        Assert.Equal(1.0, report.Weights.ToArray().Sum(), 1e-12);
        Assert.Equal(10, report.Weights.ToArray().Count(weight => weight > 0));
    }

    [Theory]
    [InlineData(13, 4)]
    [InlineData(30, 12)]
    public void Before_the_median_it_stays_in_the_honest_range_when_f_rows_are_1e6_away(int n, int f)
    {
        var honest = NaiveBaselines.Cluster(n, 40, seed: n);
        var (rows, byzantine) = NaiveBaselines.WithOutliers(honest, f, seed: n);
        var honestRows = rows.Where((_, i) => !byzantine[i]).ToArray();
        var output = new float[40];
        new AggregationPipeline([new NearestNeighbourMixing(f)], new CoordinateWiseMedianRule(f)).Aggregate(TestData.Matrix(rows), output);
        for (var j = 0; j < 40; j++)
            Assert.InRange(output[j], honestRows.Min(row => row[j]), honestRows.Max(row => row[j]));
    }

    [Fact]
    public void Rejects_NaN()
    {
        var rows = NaiveBaselines.WithNaN(NaiveBaselines.Cluster(5, 8, seed: 1), 4, 7);
        Assert.Throws<ArgumentException>(() => PreAggregationTestKit.Apply(new NearestNeighbourMixing(1), rows));
    }

    [Theory]
    [InlineData(5, 10, "", "nnm cannot tolerate f = 5 of n = 10: needs n > 2f")]
    [InlineData(-1, 10, "", "nnm: f (Byzantine workers) must be >= 0, got f = -1")]
    [InlineData(1, 10, "k", "nnm has no parameter 'k'")]
    public void Create_rejects_impossible_f_and_unknown_parameters(int f, int n, string key, string message)
    {
        var parameters = key.Length == 0 ? RuleParameters.Empty : NaiveBaselines.Parameters((key, "1"));
        var error = Assert.Throws<ArgumentException>(() => NearestNeighbourMixing.Create(f, n, parameters));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Create_builds_the_step()
    {
        var step = NearestNeighbourMixing.Create(4, 9, RuleParameters.Empty);
        Assert.Equal(("nnm", 4), (step.Name, step.F));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearestNeighbourMixing(-1));
    }
}
