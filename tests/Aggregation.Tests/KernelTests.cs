using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation.Tests;

/// <summary>The building blocks on their own: the network sorts, and order statistics select and average.</summary>
public class KernelTests
{
    private const int Width = SortingNetwork.WireWidth;

    [Fact]
    public void Network_sorts_every_zero_one_input_up_to_14_wires()
    {
        // 0-1 principle: a comparator network that sorts every 0/1 input sorts every input.
        var wires = new float[14 * Width];
        for (var n = 1; n <= 14; n++)
        {
            var network = Network(n);
            for (var first = 0; first < 1 << n; first += Width)
            {
                for (var lane = 0; lane < Width; lane++)
                    for (var i = 0; i < n; i++)
                        wires[i * Width + lane] = ((first + lane) >> i) & 1;
                SortingNetwork.Sort(wires, n, network);
                for (var lane = 0; lane < Width; lane++)
                {
                    var ones = BitCount(first + lane, n);
                    for (var i = 0; i < n; i++)
                        Assert.Equal(i >= n - ones ? 1f : 0f, wires[i * Width + lane]);
                }
            }
        }
    }

    [Theory]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(50)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(SortingNetwork.MaxWires)]
    public void Network_sorts_random_lanes(int n)
    {
        var random = new Random(n);
        var wires = new float[n * Width];
        for (var k = 0; k < wires.Length; k++)
            wires[k] = random.Next(-20, 21) * 0.5f;
        var expected = Enumerable.Range(0, Width)
            .Select(lane => Enumerable.Range(0, n).Select(i => wires[i * Width + lane]).Order().ToArray()).ToArray();
        SortingNetwork.Sort(wires, n, Network(n));
        for (var lane = 0; lane < Width; lane++)
            Assert.Equal(expected[lane], Enumerable.Range(0, n).Select(i => wires[i * Width + lane]).ToArray());
    }

    /// <summary>
    /// Columns of every awkward shape, side by side so each group of lanes mixes shapes: heavy ties, sorted, reversed,
    /// constant, organ pipe, a third zeros, signed zeros, subnormals, magnitudes from 1e-44 to float.MaxValue and
    /// infinities (which rules reject before the kernel, but the order keys handle like any value).
    /// </summary>
    private static float[][] AwkwardColumns(int n, int d, int seed)
    {
        var random = new Random(seed);
        var shapes = new Func<int, float>[]
        {
            _ => random.Next(-3, 4),
            i => i,
            i => -i,
            _ => 7f,
            i => Math.Abs(i - n / 2),
            i => i % 3 == 0 ? 0f : random.NextSingle(),
            i => i % 2 == 0 ? -0f : 0f,
            i => (i % 4) switch { 0 => -0f, 1 => 0f, 2 => float.Epsilon, _ => -float.Epsilon },
            _ => (random.Next(2) * 2 - 1) * MathF.Pow(10, random.Next(-44, 39)),
            i => (i % 5) switch { 0 => float.MaxValue, 1 => float.MinValue, 2 => float.PositiveInfinity, 3 => float.NegativeInfinity, _ => 1e-30f },
            _ => random.NextSingle() - 0.5f,
        };
        var rows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            rows[i] = new float[d];
            for (var j = 0; j < d; j++)
                rows[i][j] = shapes[j % shapes.Length](i);
        }
        // Shuffle each column over the rows, so that the sorted shapes are not sorted by row.
        for (var j = 0; j < d; j++)
        {
            var column = Enumerable.Range(0, n).Select(i => rows[i][j]).ToArray();
            random.Shuffle(column);
            for (var i = 0; i < n; i++)
                rows[i][j] = column[i];
        }
        return rows;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(255)] // the most rows whose counts fit the 7-bit first phase's bytes
    [InlineData(256)]
    [InlineData(1000)]
    [InlineData(2001)]
    [InlineData(33_000)] // above 2^15 - 1 rows: no 16-bit first phase, whose counts would overflow
    public void Order_statistics_select_the_values_of_both_ranks_and_average_between_them(int n)
    {
        const int d = 131; // two 64-column tiles and part of a third, off every lane count
        AssertBandsMatchSortedColumns(AwkwardColumns(n, d, seed: n),
            [(0, 0), (0, n - 1), (n / 5, n - 1 - n / 5), ((n - 1) / 2, n / 2), (n - 1, n - 1), (n / 3, n / 3)]);
    }

    /// <summary>
    /// Tiles whose first seven key bits at a rank repeat, change in one lane, change in every lane, straddle two values,
    /// and sit at either end of the keys (huge magnitudes, infinities): the search of each tile starts from the bracket
    /// where the previous tile's ended when every lane ended in one or two values, and must give the same ranks
    /// whether the bracket holds every lane, misses one lane or misses all.
    /// </summary>
    [Fact]
    public void Order_statistics_are_exact_whether_the_previous_tiles_bracket_holds_or_misses()
    {
        const int n = 200;
        const int f = 40;
        const int tile = 64;
        var scales = new Func<int, float>[]
        {
            _ => 1f, _ => 1f, _ => 1f,
            c => c == 10 ? 1e-6f : 1f, // one lane leaves the bracket
            _ => 1f,
            _ => 1e6f, _ => 1e6f, // every lane leaves it, then the new one holds
            c => c % 2 == 0 ? 1f : 3f, c => c % 3 == 0 ? 3f : 1f, // the rank of f + 5-shifted rows straddles 2
            _ => 3e37f, _ => 3e37f, // the top value of the bits: no room for a bracket above it
            _ => -3e37f, _ => -3e37f, // the bottom value
            c => c % 2 == 0 ? float.PositiveInfinity : 1e38f, _ => float.NegativeInfinity,
            _ => 1f,
        };
        var random = new Random(5);
        var d = scales.Length * tile;
        var rows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            rows[i] = new float[d];
            for (var j = 0; j < d; j++)
            {
                var scale = scales[j / tile](j % tile);
                var value = random.NextSingle() + random.NextSingle() + random.NextSingle() - 1.5f + (i < f ? 5f : 0f);
                rows[i][j] = float.IsInfinity(scale) ? scale : scale * value;
            }
        }
        AssertBandsMatchSortedColumns(rows, [(f, n - 1 - f), ((n - 1) / 2, n / 2), (0, 0), (n - 1, n - 1), (f, f)]);
    }

    /// <summary>
    /// A bracket two values wide starting at an odd value (the first tile's keys of rank f straddle 2.0, whose top seven
    /// key bits are 31 below it and 32 above), which in the next tiles settles the search on its counts at once (exactly
    /// f keys, the -5s, below it in every lane): the search is handed on with a lower bound a bisection would never reach.
    /// </summary>
    [Fact]
    public void Order_statistics_are_exact_when_a_guessed_bracket_settles_the_search_at_once()
    {
        const int n = 200;
        const int f = 40;
        var rows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            rows[i] = new float[192];
            for (var j = 0; j < 192; j++)
                rows[i][j] = j < 64
                    ? (i < f ? 1f + 0.001f * i : (j % 2 == 0 ? 1.5f : 2.5f) + 0.01f * i)
                    : (i < f ? -5f : 1.5f + 0.005f * i + 0.001f * (j % 64));
        }
        AssertBandsMatchSortedColumns(rows, [(f, n - 1 - f), (f, f), ((n - 1) / 2, n / 2)]);
    }

    /// <summary>
    /// Per column, the kernel's low and high values are the sorted column's values at the two ranks, bit for bit, and
    /// its output is the mean of the values between them within float rounding.
    /// </summary>
    private static void AssertBandsMatchSortedColumns(float[][] rows, (int First, int Last)[] ranks)
    {
        var d = rows[0].Length;
        var matrix = TestData.Matrix(rows);
        var range = new CoordinateRange(0, d);
        // Ascending, -0 before +0: the order the kernel's keys define.
        var sortedColumns = Enumerable.Range(0, d)
            .Select(j => rows.Select(row => row[j]).OrderBy(v => v).ThenBy(v => float.IsNegative(v) ? 0 : 1).ToArray()).ToArray();
        foreach (var (first, last) in ranks)
        {
            var output = new float[d];
            var low = new float[d];
            var high = new float[d];
            OrderStatistics.AverageOfRanks(matrix, range, first, last, output, new AggregationWorkspace(), low, high);
            for (var j = 0; j < d; j++)
            {
                var sorted = sortedColumns[j];
                Assert.Equal(BitConverter.SingleToInt32Bits(sorted[first]), BitConverter.SingleToInt32Bits(low[j]));
                Assert.Equal(BitConverter.SingleToInt32Bits(sorted[last]), BitConverter.SingleToInt32Bits(high[j]));
                var kept = sorted[first..(last + 1)];
                if (kept.Any(v => !float.IsFinite(v) || Math.Abs(v) > 1e37f))
                    continue; // a sum that overflows has no better definition in the naive mean than in the kernel
                var expected = (float)(kept.Sum(v => (double)v) / kept.Length);
                Assert.True(Math.Abs(output[j] - expected) <= 1e-6 * kept.Max(Math.Abs),
                    $"column {j}, ranks {first}..{last}: {output[j]} against {expected}");
            }
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(200)]
    [InlineData(1001)]
    public void Order_statistics_count_per_row_the_coordinates_whose_value_lies_in_the_kept_band(int n)
    {
        const int d = 131;
        var rows = AwkwardColumns(n, d, seed: 3 * n);
        var matrix = TestData.Matrix(rows);
        foreach (var (first, last) in new[] { ((n - 1) / 2, n / 2), (n / 5, n - 1 - n / 5) })
        {
            var low = new float[d];
            var high = new float[d];
            var kept = new double[n];
            OrderStatistics.AverageOfRanks(matrix, new CoordinateRange(0, d), first, last, new float[d], new AggregationWorkspace(), low, high, kept);
            // In the kernel's order -0 lies below +0: compare (value, sign) pairs.
            static bool AtMost(float a, float b) => a < b || (a == b && (float.IsNegative(a) || !float.IsNegative(b)));
            for (var i = 0; i < n; i++)
            {
                var expected = Enumerable.Range(0, d).Count(j => AtMost(low[j], rows[i][j]) && AtMost(rows[i][j], high[j]));
                Assert.Equal(expected, kept[i]);
            }
        }
    }

    [Theory]
    [InlineData(40)]
    [InlineData(300)] // above 255 rows: no byte phase, the searches start on 16-bit halves
    public void Order_statistics_keep_every_tied_copy_of_a_bound_or_one_as_its_search_settled(int n)
    {
        // Both bounds of every column are tied, and no run of ties reaches past a bound's rank on both sides, so every
        // search settles on a count: a run that starts at the rank (exactly `first` keys below it) is kept whole, one
        // that ends at it contributes a single copy. Four columns in a row cover the four layouts, so every group of
        // lanes mixes them. Eighths of small integers: sums in double are exact, so the mean is known to the bit.
        const int d = 128;
        var first = n / 5;
        var last = n - 1 - n / 5;
        var random = new Random(n);
        var rows = Enumerable.Range(0, n).Select(_ => new float[d]).ToArray();
        var sortedColumns = new float[d][];
        for (var j = 0; j < d; j++)
        {
            var sorted = Enumerable.Range(0, n).Select(i => (4 * i + random.Next(3)) / 8f - n / 4).ToArray();
            TieAt(sorted, first, runStartsAtRank: j % 2 == 0);
            TieAt(sorted, last, runStartsAtRank: j / 2 % 2 == 0);
            sortedColumns[j] = sorted;
            var column = (float[])sorted.Clone();
            random.Shuffle(column);
            for (var i = 0; i < n; i++)
                rows[i][j] = column[i];
        }
        var output = new float[d];
        var low = new float[d];
        var high = new float[d];
        var kept = new double[n];
        OrderStatistics.AverageOfRanks(TestData.Matrix(rows), new CoordinateRange(0, d), first, last, output, new AggregationWorkspace(),
            low, high, kept);
        for (var j = 0; j < d; j++)
        {
            var sorted = sortedColumns[j];
            Assert.Equal(sorted[first], low[j]);
            Assert.Equal(sorted[last], high[j]);
            var expected = (float)(sorted[first..(last + 1)].Sum(v => (double)v) / (last - first + 1));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(output[j]));
        }
        for (var i = 0; i < n; i++)
            Assert.Equal(Enumerable.Range(0, d).Count(j => low[j] <= rows[i][j] && rows[i][j] <= high[j]), kept[i]);

        // Three copies of the value of rank k, at ranks k .. k + 2 or k - 2 .. k (the values were strictly increasing).
        static void TieAt(float[] sorted, int k, bool runStartsAtRank)
        {
            var value = sorted[k];
            for (var r = 1; r <= 2; r++)
                sorted[runStartsAtRank ? k + r : k - r] = value;
        }
    }

    [Fact]
    public void Order_statistics_sum_an_infinite_bound_kept_whole_without_multiplying_zero_by_it()
    {
        // Rank 0 is -inf with three copies, all kept: they are summed with the rest, and no "0 more copies" of the bound
        // may turn the mean into NaN.
        const int n = 40;
        const int d = 16;
        var rows = Enumerable.Range(0, n).Select(i => Enumerable.Repeat(i < 3 ? float.NegativeInfinity : i, d).ToArray()).ToArray();
        var output = new float[d];
        OrderStatistics.AverageOfRanks(TestData.Matrix(rows), new CoordinateRange(0, d), 0, n - 2, output, new AggregationWorkspace());
        Assert.All(output, value => Assert.Equal(float.NegativeInfinity, value));
    }

    [Fact]
    public void Order_statistics_of_a_column_do_not_depend_on_where_the_range_starts()
    {
        const int n = 37;
        const int d = 200;
        var matrix = TestData.Matrix(AwkwardColumns(n, d, seed: 5));
        foreach (var (first, last) in new[] { (7, n - 8), (n / 2, n / 2) })
        {
            var whole = new float[d];
            OrderStatistics.AverageOfRanks(matrix, new CoordinateRange(0, d), first, last, whole, new AggregationWorkspace());
            foreach (var start in new[] { 1, 15, 63, 64, 65, 130 })
            {
                var part = new float[d - start];
                OrderStatistics.AverageOfRanks(matrix, new CoordinateRange(start, d - start), first, last, part, new AggregationWorkspace());
                Assert.Equal(TestData.Bits(whole[start..]), TestData.Bits(part));
            }
        }
    }

    private static int[] Network(int wires)
    {
        var comparators = new int[SortingNetwork.Build(wires, [])];
        Assert.Equal(comparators.Length, SortingNetwork.Build(wires, comparators));
        return comparators;
    }

    private static int BitCount(int value, int bits) => System.Numerics.BitOperations.PopCount((uint)(value & ((1 << bits) - 1)));
}
