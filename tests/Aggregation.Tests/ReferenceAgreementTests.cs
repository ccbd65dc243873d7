namespace FedActors.Aggregation.Tests;

/// <summary>Every rule against its naive sort-based twin on random matrices, with and without ties.</summary>
public class ReferenceAgreementTests
{
    public static TheoryData<int, int> Shapes => TestData.Shapes();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Median_equals_the_sorted_middle_exactly(int n, int d)
    {
        foreach (var ties in new[] { false, true })
        {
            var rows = TestData.Rows(n, d, seed: n * 7919 + d, ties);
            var actual = TestData.Aggregate(new CoordinateWiseMedianRule(0), TestData.Matrix(rows));
            Assert.Equal(NaiveAggregation.Median(rows, d), actual);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Trimmed_mean_matches_the_double_precision_reference(int n, int d)
    {
        foreach (var f in new[] { 0, 1, n / 5, (n - 1) / 2 }.Where(f => 2 * f < n).Distinct())
        {
            foreach (var ties in new[] { false, true })
            {
                var rows = TestData.Rows(n, d, seed: n * 104729 + d + f, ties);
                var actual = TestData.Aggregate(new TrimmedMeanRule(f), TestData.Matrix(rows));
                var expected = NaiveAggregation.TrimmedMean(rows, d, f);
                for (var j = 0; j < d; j++)
                {
                    // One float rounding of the exact mean, plus double-sum noise far below it.
                    var tolerance = 1e-7 * Math.Max(Math.Abs(expected[j]), 1e-3 * NaiveAggregation.MaxAbs(rows, j));
                    Assert.True(Math.Abs(actual[j] - expected[j]) <= tolerance,
                        $"n={n} d={d} f={f} ties={ties} j={j}: {actual[j]} vs {expected[j]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Mean_equals_the_row_order_double_sum_exactly(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n * 31 + d, ties: false);
        var actual = TestData.Aggregate(new MeanRule(), TestData.Matrix(rows));
        Assert.Equal(NaiveAggregation.Mean(rows, d), actual);
    }

    [Theory]
    [InlineData(5, 100)]
    [InlineData(TestData.SelectionRows, 100)]
    public void Trimmed_mean_with_f_zero_is_the_mean_bit_for_bit(int n, int d)
    {
        var matrix = TestData.Matrix(TestData.Rows(n, d, seed: 3, ties: false));
        Assert.Equal(
            TestData.Bits(TestData.Aggregate(new MeanRule(), matrix)),
            TestData.Bits(TestData.Aggregate(new TrimmedMeanRule(0), matrix)));
    }
}
