namespace FedActors.Aggregation.Tests;

/// <summary>Small cases worked out by hand; each column is one case so both kernels' lanes are exercised.</summary>
public class HandComputedTests
{
    // Column 0: {1, 2, 3, 100}; column 1: {-4, -4, 8, 0}; column 2: {0.5, 0.25, 0.75, 0.5}.
    private static readonly float[][] FourRows =
    [
        [1f, -4f, 0.5f],
        [2f, -4f, 0.25f],
        [3f, 8f, 0.75f],
        [100f, 0f, 0.5f],
    ];

    [Fact]
    public void Median_of_even_n_is_the_mean_of_the_two_middle_values()
    {
        var output = TestData.Aggregate(new CoordinateWiseMedianRule(1), TestData.Matrix(FourRows));
        Assert.Equal([2.5f, -2f, 0.5f], output);
    }

    [Fact]
    public void Trimmed_mean_drops_f_at_each_end()
    {
        var output = TestData.Aggregate(new TrimmedMeanRule(1), TestData.Matrix(FourRows));
        Assert.Equal([2.5f, -2f, 0.5f], output);
    }

    [Fact]
    public void Mean_averages_every_row()
    {
        var output = TestData.Aggregate(new MeanRule(), TestData.Matrix(FourRows));
        Assert.Equal([26.5f, 0f, 0.5f], output);
    }

    [Fact]
    public void Median_and_trimmed_mean_of_odd_n()
    {
        // Column 0: {5, -1, 2, 9, 4}; column 1: {1, 2, 3, 4, 1000}.
        float[][] rows = [[5f, 1f], [-1f, 2f], [2f, 3f], [9f, 4f], [4f, 1000f]];
        var matrix = TestData.Matrix(rows);
        Assert.Equal([4f, 3f], TestData.Aggregate(new CoordinateWiseMedianRule(2), matrix));
        Assert.Equal([(float)(11.0 / 3.0), 3f], TestData.Aggregate(new TrimmedMeanRule(1), matrix));
        Assert.Equal([4f, 3f], TestData.Aggregate(new TrimmedMeanRule(2), matrix));
    }

    [Theory]
    [InlineData(150, 100)]
    [InlineData(TestData.SelectionRows / 2 + 10, TestData.SelectionRows / 2 - 100)]
    public void Median_and_trimmed_mean_of_many_tied_rows(int h, int f)
    {
        // 2h+1 rows, worker ids in reverse: row i holds i in column 0 and (i mod 2) in column 1, which therefore holds
        // h+1 zeros (ranks 0..h) and h ones.
        var rows = Enumerable.Range(0, 2 * h + 1).Reverse().Select(i => new[] { (float)i, i % 2 }).ToArray();
        var matrix = TestData.Matrix(rows);
        Assert.Equal([h, 0f], TestData.Aggregate(new CoordinateWiseMedianRule(0), matrix));
        // Ranks f..2h-f are kept: f..2h-f in column 0 (mean h); h-f+1 zeros and h-f ones in column 1.
        Assert.Equal([h, (float)((h - f) / (2.0 * (h - f) + 1))], TestData.Aggregate(new TrimmedMeanRule(f), matrix));
    }
}
