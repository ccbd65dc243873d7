namespace FedActors.Aggregation.Tests;

/// <summary>Invariances and robustness the rules promise, at small and large n (meamed sorts differently above 1024 rows).</summary>
public class PropertyTests
{
    private const int Columns = 333;

    [Theory]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(150)]
    [InlineData(TestData.SelectionRows)]
    [InlineData(TestData.SelectionRows + 1)]
    public void Median_is_exactly_permutation_invariant(int n)
    {
        foreach (var ties in new[] { false, true })
        {
            var rows = TestData.Rows(n, Columns, seed: n, ties);
            var rule = new CoordinateWiseMedianRule(0);
            Assert.Equal(
                TestData.Bits(TestData.Aggregate(rule, TestData.Matrix(rows))),
                TestData.Bits(TestData.Aggregate(rule, TestData.Matrix(TestData.Permuted(rows, seed: 1)))));
        }
    }

    [Theory]
    [InlineData(33)]
    [InlineData(200)]
    [InlineData(TestData.SelectionRows + 1)]
    public void Trimmed_mean_is_exactly_permutation_invariant_when_its_double_sum_is_exact(int n)
    {
        // Multiples of 2^-12 below 2^10 in magnitude: any sum of up to 2^20 of them is exact in double.
        var random = new Random(n);
        var rows = Enumerable.Range(0, n)
            .Select(_ => Enumerable.Range(0, Columns).Select(_ => random.Next(-(1 << 22), 1 << 22) / 4096f).ToArray()).ToArray();
        var rule = new TrimmedMeanRule(n / 5);
        Assert.Equal(
            TestData.Bits(TestData.Aggregate(rule, TestData.Matrix(rows))),
            TestData.Bits(TestData.Aggregate(rule, TestData.Matrix(TestData.Permuted(rows, seed: 2)))));
    }

    [Theory]
    [InlineData("mean", 33)]
    [InlineData("mean", 150)]
    [InlineData("trimmed-mean", TestData.SelectionRows)]
    [InlineData("trimmed-mean", TestData.SelectionRows + 1)]
    public void Mean_and_trimmed_mean_are_permutation_invariant_within_rounding(string name, int n)
    {
        var rows = TestData.Rows(n, Columns, seed: n, ties: false);
        var rule = AggregationRules.Create(name, n / 5, n);
        var original = TestData.Aggregate(rule, TestData.Matrix(rows));
        var permuted = TestData.Aggregate(rule, TestData.Matrix(TestData.Permuted(rows, seed: 3)));
        for (var j = 0; j < Columns; j++)
            Assert.True(Math.Abs(original[j] - permuted[j]) <= 1e-6 * NaiveAggregation.MaxAbs(rows, j), $"column {j}");
    }

    public static TheoryData<string> EveryRule() => new(AggregationRules.Names);

    [Theory]
    [MemberData(nameof(EveryRule))]
    public void Every_rule_gives_the_same_bits_and_weights_on_1_and_7_shards_round_after_round(string name)
    {
        // 7000 coordinates span seven 1024-coordinate blocks, so each of the seven shards has work. Three rounds with
        // other rows carry a stateful rule's state (BGMD's memory, ByzantineSGD's accumulators, the clipping centre).
        const int n = 23, d = 7000;
        var one = AggregationRules.Create(name, 4, n);
        var seven = AggregationRules.Create(name, 4, n);
        for (var round = 1; round <= 3; round++)
        {
            var rows = TestData.Rows(n, d, seed: 50 + round, ties: false);
            var context = AggregationContext.ForMatrix(n, d) with { Round = round };
            var (oneOutput, sevenOutput) = (new float[d], new float[d]);
            var oneReport = one.Aggregate(TestData.Matrix(rows), oneOutput, context, shards: 1);
            var sevenReport = seven.Aggregate(TestData.Matrix(rows), sevenOutput, context, shards: 7);
            Assert.Equal(TestData.Bits(oneOutput), TestData.Bits(sevenOutput));
            Assert.Equal(oneReport.Weights.ToArray(), sevenReport.Weights.ToArray());
        }
    }

    public static TheoryData<string> RulesWithABand() => new() { "median", "trimmed-mean", "meamed" };

    [Theory]
    [MemberData(nameof(RulesWithABand))]
    public void Without_outliers_the_coordinate_wise_rules_stay_close_to_the_mean(string name)
    {
        // 101 rows N(c_j, 1), f = 20. The median's deviation from the mean has a standard deviation of about
        // sqrt((pi/2 - 1) / n) = 0.075 per coordinate, the trimmed means' less; the bounds are 1.6x that RMS and
        // about 6 of those deviations for the largest of 2000 coordinates.
        const int n = 101, d = 2000;
        var random = new Random(17);
        var centres = Enumerable.Range(0, d).Select(_ => 10 * random.NextDouble() - 5).ToArray();
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var rows = Enumerable.Range(0, n).Select(_ => centres.Select(c => (float)(c + Gaussian())).ToArray()).ToArray();
        var mean = TestData.Aggregate(AggregationRules.Create("mean", 0, n), TestData.Matrix(rows));

        var output = TestData.Aggregate(AggregationRules.Create(name, 20, n), TestData.Matrix(rows));

        var deviations = output.Select((x, j) => (double)x - mean[j]).ToArray();
        var rms = Math.Sqrt(deviations.Average(x => x * x));
        Assert.InRange(rms, 0, 0.12);
        Assert.InRange(deviations.Max(Math.Abs), 0, 0.45);
    }

    [Theory]
    [InlineData("mean", 33)]
    [InlineData("meamed", 33)]
    [InlineData("meamed", TestData.SelectionRows + 1)]
    [InlineData("median", 33)]
    [InlineData("median", TestData.SelectionRows)]
    [InlineData("trimmed-mean", 40)]
    [InlineData("trimmed-mean", TestData.SelectionRows + 1)]
    public void The_coordinate_wise_rules_are_translation_equivariant(string name, int n)
    {
        var rows = TestData.Rows(n, Columns, seed: n, ties: false);
        var shift = Enumerable.Range(0, Columns).Select(j => (float)(j % 11 - 5) * 3.25f).ToArray();
        var shifted = rows.Select(row => row.Select((x, j) => x + shift[j]).ToArray()).ToArray();
        var rule = AggregationRules.Create(name, n / 5, n);
        var original = TestData.Aggregate(rule, TestData.Matrix(rows));
        var moved = TestData.Aggregate(rule, TestData.Matrix(shifted));
        for (var j = 0; j < Columns; j++)
        {
            // Adding the shift rounds each value once, so allow a few float ulps of the shifted magnitude.
            var scale = NaiveAggregation.MaxAbs(rows, j) + Math.Abs(shift[j]);
            Assert.True(Math.Abs(moved[j] - (original[j] + shift[j])) <= 4e-7 * scale, $"column {j}");
        }
    }

    [Theory]
    [InlineData(9, 4)]
    [InlineData(64, 31)]
    [InlineData(200, 99)]
    [InlineData(TestData.SelectionRows, TestData.SelectionRows / 2 - 1)]
    public void Median_stays_in_the_honest_range_when_f_rows_go_to_1e30_and_the_mean_does_not(int n, int f)
    {
        var rows = TestData.Rows(n, Columns, seed: n, ties: false);
        var honest = rows.Take(n - f).ToArray();
        var ids = Enumerable.Range(0, n).ToArray();
        new Random(n).Shuffle(ids);
        var byzantine = ids.Take(f).ToHashSet();
        var attacked = new float[n][];
        var nextHonest = 0;
        for (var i = 0; i < n; i++)
            attacked[i] = byzantine.Contains(i) ? Enumerable.Repeat(1e30f, Columns).ToArray() : honest[nextHonest++];

        var matrix = TestData.Matrix(attacked);
        var median = TestData.Aggregate(new CoordinateWiseMedianRule(f), matrix);
        var trimmed = TestData.Aggregate(new TrimmedMeanRule(f), matrix);
        var mean = TestData.Aggregate(new MeanRule(), matrix);
        for (var j = 0; j < Columns; j++)
        {
            var low = honest.Min(row => row[j]);
            var high = honest.Max(row => row[j]);
            Assert.InRange(median[j], low, high);
            Assert.InRange(trimmed[j], low, high);
            Assert.True(mean[j] > 1e27f, $"column {j}: the mean should be dragged to the attack, got {mean[j]}");
        }
    }
}
