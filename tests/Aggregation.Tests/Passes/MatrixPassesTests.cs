namespace FedActors.Aggregation.Tests.Passes;

/// <summary>
/// Every pass of <see cref="MatrixPasses.Local"/> against <see cref="PassReference"/>: the mathematical value (naive
/// double sums) to within rounding, the documented summation order bit for bit, and the same bits for 1 to 8 shards.
/// </summary>
public class MatrixPassesTests
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (var n in new[] { 1, 3, 50 })
            foreach (var d in new[] { 1, 1000, 1025, 5000, 9999 })
                data.Add(n, d);
        // Longer than one run of the streaming passes (64 blocks) and one tile of the weighted sums (65536 columns).
        data.Add(3, 70_001);
        data.Add(9, 140_000);
        return data;
    }

    public static TheoryData<int, int> SplitShapes() => new() { { 3, 5000 }, { 50, 9999 }, { 7, 8193 }, { 6, 140_000 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Gram_matches_the_naive_sums_and_the_documented_order(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n * 31 + d, ties: false);
        var gram = new double[n * n];
        await MatrixPasses.Local(TestData.Matrix(rows)).GramAsync(gram);
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                AssertClose(PassReference.NaiveDot(rows[i], rows[k]), gram[i * n + k], PassReference.DotMagnitude(rows[i], rows[k]));
                Assert.Equal(PassReference.OrderedDot(rows[i], rows[k]), gram[i * n + k]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Squared_distances_and_dots_match_the_naive_sums_and_the_documented_order(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n * 37 + d, ties: false);
        var z = PassReference.Vector(d, seed: d);
        var passes = MatrixPasses.Local(TestData.Matrix(rows));
        var distances = new double[n];
        var dots = new double[n];
        await passes.SquaredDistancesAsync(z, distances);
        await passes.DotsAsync(z, dots);
        for (var i = 0; i < n; i++)
        {
            var reference = PassReference.NaiveSquaredDistance(rows[i], z);
            AssertClose(reference, distances[i], reference);
            Assert.Equal(PassReference.OrderedSquaredDistance(rows[i], z), distances[i]);
            AssertClose(PassReference.NaiveDot(rows[i], z), dots[i], PassReference.DotMagnitude(rows[i], z));
            Assert.Equal(PassReference.OrderedDot(rows[i], z), dots[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Weighted_sums_are_the_row_order_double_sums_bit_for_bit(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n * 41 + d, ties: false);
        var passes = MatrixPasses.Local(TestData.Matrix(rows));
        foreach (var weights in Weights(n, seed: d))
        {
            var output = new float[d];
            await passes.WeightedSumAsync(weights, output);
            Assert.Equal(TestData.Bits(PassReference.WeightedSum(rows, weights)), TestData.Bits(output));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task The_fused_sweep_gives_the_weighted_sum_then_the_distances_to_it(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n * 43 + d, ties: false);
        var passes = MatrixPasses.Local(TestData.Matrix(rows));
        foreach (var weights in Weights(n, seed: d + 1))
        {
            var output = new float[d];
            var distances = new double[n];
            await passes.WeightedSumAndDistancesAsync(weights, output, distances);
            var point = PassReference.WeightedSum(rows, weights);
            Assert.Equal(TestData.Bits(point), TestData.Bits(output));
            for (var i = 0; i < n; i++)
            {
                var reference = PassReference.NaiveSquaredDistance(rows[i], point);
                AssertClose(reference, distances[i], reference);
                Assert.Equal(PassReference.OrderedSquaredDistance(rows[i], point), distances[i]);
            }

            // The separate passes agree bit for bit with the fused one.
            var separate = new float[d];
            var separateDistances = new double[n];
            await passes.WeightedSumAsync(weights, separate);
            await passes.SquaredDistancesAsync(separate, separateDistances);
            Assert.Equal(TestData.Bits(output), TestData.Bits(separate));
            Assert.Equal(distances, separateDistances);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Column_moments_are_the_row_order_double_sums_bit_for_bit(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n * 47 + d, ties: false);
        var sums = new double[d];
        var squares = new double[d];
        Array.Fill(sums, double.NaN);
        Array.Fill(squares, double.NaN);
        await MatrixPasses.Local(TestData.Matrix(rows)).ColumnMomentsAsync(sums, squares);
        for (var j = 0; j < d; j++)
        {
            double sum = 0, square = 0;
            for (var i = 0; i < n; i++)
            {
                double value = rows[i][j];
                sum += value;
                square += value * value;
            }
            Assert.Equal(sum, sums[j]);
            Assert.Equal(square, squares[j]);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Mix_gives_each_output_row_as_a_row_order_weighted_sum(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n * 53 + d, ties: false);
        var passes = MatrixPasses.Local(TestData.Matrix(rows));
        var random = new Random(d);
        foreach (var outputRows in new[] { 1, n, n + 2 })
        {
            // Dense coefficients, with a run of exact zeros and a diagonal-like sparse row mixed in.
            var mixing = new double[outputRows * n];
            for (var r = 0; r < outputRows; r++)
            {
                for (var i = 0; i < n; i++)
                    mixing[r * n + i] = r % 3 == 2 ? (i == r % n ? 0.5 : 0) : random.NextDouble() * 2 - 0.7;
            }
            var mixed = await passes.MixAsync(mixing, outputRows);
            Assert.Equal(outputRows, mixed.Rows);
            Assert.Equal(d, mixed.Columns);
            var row = new float[d];
            for (var r = 0; r < outputRows; r++)
            {
                await mixed.CopyRowAsync(r, row);
                Assert.Equal(TestData.Bits(PassReference.WeightedSum(rows, mixing[(r * n)..((r + 1) * n)])), TestData.Bits(row));
            }
        }
    }

    [Theory]
    [InlineData(8, 3000)]
    [InlineData(50, 5000)]
    public async Task Sparse_mixes_give_the_same_bits_as_their_definition(int n, int d)
    {
        // A diagonal (clipping), disjoint buckets and a single row each take the per-row path rather than the
        // register kernel; both must add in row order.
        var rows = TestData.Rows(n, d, seed: n * 61 + d, ties: false);
        var passes = MatrixPasses.Local(TestData.Matrix(rows));
        var diagonal = new double[n * n];
        for (var i = 0; i < n; i++)
            diagonal[i * n + i] = 0.25 + i;
        var buckets = new double[n / 2 * n];
        for (var b = 0; b < n / 2; b++)
        {
            buckets[b * n + 2 * b] = 0.5;
            buckets[b * n + 2 * b + 1] = 0.5;
        }
        foreach (var (mixing, outputRows) in new[] { (diagonal, n), (buckets, n / 2) })
        {
            var mixed = await passes.MixAsync(mixing, outputRows);
            var row = new float[d];
            for (var r = 0; r < outputRows; r++)
            {
                await mixed.CopyRowAsync(r, row);
                Assert.Equal(TestData.Bits(PassReference.WeightedSum(rows, mixing[(r * n)..((r + 1) * n)])), TestData.Bits(row));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Select_columns_and_copy_row_return_the_values(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n * 59 + d, ties: false);
        var passes = MatrixPasses.Local(TestData.Matrix(rows));
        var columns = Enumerable.Range(0, d).Where(j => j % 3 == 0 || j == d - 1).ToArray();
        var selected = await passes.SelectColumnsAsync(columns);
        Assert.Equal(columns.Length, selected.Columns);
        var row = new float[d];
        var selectedRow = new float[columns.Length];
        for (var i = 0; i < n; i++)
        {
            await passes.CopyRowAsync(i, row);
            Assert.Equal(TestData.Bits(rows[i]), TestData.Bits(row));
            await selected.CopyRowAsync(i, selectedRow);
            Assert.Equal(TestData.Bits(columns.Select(j => rows[i][j]).ToArray()), TestData.Bits(selectedRow));
        }
        // The selected matrix's passes are passes like any other.
        var distances = new double[n];
        var origin = new float[columns.Length];
        await selected.SquaredDistancesAsync(origin, distances);
        for (var i = 0; i < n; i++)
            Assert.Equal(PassReference.OrderedSquaredDistance(columns.Select(j => rows[i][j]).ToArray(), origin), distances[i]);
    }

    [Theory]
    [MemberData(nameof(SplitShapes))]
    public async Task Every_pass_gives_the_same_bits_for_1_to_8_shards(int n, int d)
    {
        var rows = TestData.Rows(n, d, seed: n + d, ties: false);
        var matrix = TestData.Matrix(rows);
        var z = PassReference.Vector(d, seed: 3);
        var weights = Weights(n, seed: 4)[0];
        var mixing = Enumerable.Range(0, 2 * n * n).Select(k => Math.Sin(k + 1.0)).ToArray();
        Dictionary<string, long[]>? first = null;
        for (var shards = 1; shards <= 8; shards++)
        {
            var passes = MatrixPasses.Local(matrix, shards);
            var gram = new double[n * n];
            var distances = new double[n];
            var dots = new double[n];
            var sum = new float[d];
            var fused = new float[d];
            var fusedDistances = new double[n];
            var sums = new double[d];
            var squares = new double[d];
            await passes.GramAsync(gram);
            await passes.SquaredDistancesAsync(z, distances);
            await passes.DotsAsync(z, dots);
            await passes.WeightedSumAsync(weights, sum);
            await passes.WeightedSumAndDistancesAsync(weights, fused, fusedDistances);
            await passes.ColumnMomentsAsync(sums, squares);
            var mixed = await passes.MixAsync(mixing, 2 * n);
            var mixedGram = new double[4 * n * n];
            await mixed.GramAsync(mixedGram);
            var results = new Dictionary<string, long[]>
            {
                ["gram"] = Bits(gram), ["distances"] = Bits(distances), ["dots"] = Bits(dots), ["weighted sum"] = Bits(sum),
                ["fused point"] = Bits(fused), ["fused distances"] = Bits(fusedDistances), ["sums"] = Bits(sums),
                ["squares"] = Bits(squares), ["mixed gram"] = Bits(mixedGram),
            };
            first ??= results;
            foreach (var (pass, bits) in results)
                Assert.True(first[pass].SequenceEqual(bits), $"{pass} differs between 1 and {shards} shards");
        }
    }

    [Fact]
    public async Task Repeated_passes_on_one_instance_give_the_same_bits()
    {
        // Node arrays are pooled per shard: a second pass must not see the first one's leftovers.
        var rows = TestData.Rows(5, 7000, seed: 9, ties: false);
        var passes = MatrixPasses.Local(TestData.Matrix(rows), shards: 3);
        var first = new double[25];
        var second = new double[25];
        var distances = new double[5];
        await passes.GramAsync(first);
        await passes.SquaredDistancesAsync(PassReference.Vector(7000, seed: 1), distances);
        await passes.GramAsync(second);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Non_finite_arguments_throw_naming_them()
    {
        const int n = 3, d = 2000;
        var rows = TestData.Rows(n, d, seed: 11, ties: false);
        var passes = MatrixPasses.Local(TestData.Matrix(rows));
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var z = new float[d];
            z[1500] = bad;
            var error = await Assert.ThrowsAsync<ArgumentException>(() => passes.SquaredDistancesAsync(z, new double[n]).AsTask());
            Assert.Equal("z", error.ParamName);
            Assert.Contains("z[1500]", error.Message);
            error = await Assert.ThrowsAsync<ArgumentException>(() => passes.DotsAsync(z, new double[n]).AsTask());
            Assert.Equal("v", error.ParamName);
        }
        foreach (var bad in new[] { double.NaN, double.PositiveInfinity })
        {
            var weights = new double[n];
            weights[2] = bad;
            var error = await Assert.ThrowsAsync<ArgumentException>(() => passes.WeightedSumAsync(weights, new float[d]).AsTask());
            Assert.Equal("weights", error.ParamName);
            error = await Assert.ThrowsAsync<ArgumentException>(() =>
                passes.WeightedSumAndDistancesAsync(weights, new float[d], new double[n]).AsTask());
            Assert.Equal("weights", error.ParamName);
            var mixing = new double[2 * n];
            mixing[4] = bad;
            error = await Assert.ThrowsAsync<ArgumentException>(() => passes.MixAsync(mixing, 2).AsTask());
            Assert.Equal("mixing", error.ParamName);
        }
        foreach (var (row, column) in new[] { (0, 0), (2, 1999), (1, 17) })
        {
            var poisoned = TestData.Matrix(rows);
            poisoned.Row(row)[column] = float.NaN;
            var error = Assert.Throws<ArgumentException>(() => MatrixPasses.Local(poisoned));
            Assert.Equal("matrix", error.ParamName);
            Assert.Contains($"row {row}", error.Message);
            Assert.Contains($"coordinate {column}", error.Message);
            poisoned.Row(row)[column] = float.NegativeInfinity;
            Assert.Throws<ArgumentException>(() => MatrixPasses.Local(poisoned));
        }
    }

    [Fact]
    public async Task Wrong_lengths_throw_naming_the_argument()
    {
        var passes = MatrixPasses.Local(TestData.Matrix(TestData.Rows(3, 100, seed: 12, ties: false)));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => passes.GramAsync(new double[8]).AsTask());
        Assert.Equal("gram", error.ParamName);
        error = await Assert.ThrowsAsync<ArgumentException>(() => passes.SquaredDistancesAsync(new float[100], new double[2]).AsTask());
        Assert.Equal("distances", error.ParamName);
        error = await Assert.ThrowsAsync<ArgumentException>(() => passes.ColumnMomentsAsync(new double[100], new double[99]).AsTask());
        Assert.Equal("squares", error.ParamName);
    }

    /// <summary>Weights: positive summing to 1, signed with exact zeros (skipped rows), and all zero.</summary>
    private static double[][] Weights(int n, int seed)
    {
        var random = new Random(seed);
        var positive = Enumerable.Range(0, n).Select(_ => random.NextDouble() + 0.1).ToArray();
        var total = positive.Sum();
        var normalized = positive.Select(w => w / total).ToArray();
        var signed = Enumerable.Range(0, n).Select(i => i % 3 == 1 ? 0.0 : random.NextDouble() * 4 - 2).ToArray();
        return [normalized, signed, new double[n]];
    }

    /// <summary>|reference - actual| within 1e-12 of the sum of the terms' magnitudes (plus a tiny absolute floor).</summary>
    private static void AssertClose(double reference, double actual, double magnitude)
    {
        var tolerance = 1e-12 * magnitude + 1e-300;
        Assert.True(Math.Abs(reference - actual) <= tolerance, $"expected {reference:R}, got {actual:R} (tolerance {tolerance:R})");
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static long[] Bits(float[] values) => values.Select(v => (long)BitConverter.SingleToInt32Bits(v)).ToArray();
}
