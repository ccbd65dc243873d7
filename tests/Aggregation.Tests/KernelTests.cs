using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation.Tests;

/// <summary>The building blocks on their own: the network sorts, selection selects, and the two paths agree.</summary>
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(5000)]
    public void Selection_finds_the_values_of_two_ranks_and_leaves_the_column_alone(int n)
    {
        var random = new Random(n);
        var shapes = new Func<int, float>[]
        {
            _ => random.Next(-3, 4), // heavy ties
            i => i, // sorted
            i => -i, // reversed
            _ => 7f, // all equal
            i => Math.Abs(i - n / 2), // organ pipe
            i => i % 3 == 0 ? 0f : random.NextSingle(), // a third zeros
            _ => random.NextSingle(),
        };
        var scratch = new float[n];
        var spare = new float[n];
        foreach (var shape in shapes)
        {
            var column = Enumerable.Range(0, n).Select(shape).ToArray();
            var original = (float[])column.Clone();
            var sorted = column.Order().ToArray();
            foreach (var (first, last) in new[] { (0, 0), (0, n - 1), (n / 5, n - 1 - n / 5), ((n - 1) / 2, n / 2), (n - 1, n - 1), (n / 3, n / 3) })
            {
                var (low, high) = Selection.Ranks(column, first, last, scratch, spare);
                Assert.Equal(sorted[first], low);
                Assert.Equal(sorted[last], high);
                Assert.Equal(original, column);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(128)]
    [InlineData(SortingNetwork.MaxWires)]
    public void Network_and_selection_paths_agree(int n)
    {
        foreach (var ties in new[] { false, true })
        {
            var rows = TestData.Rows(n, 131, seed: n, ties);
            var matrix = TestData.Matrix(rows);
            var range = new CoordinateRange(0, 131);
            foreach (var (first, last) in new[] { ((n - 1) / 2, n / 2), (n / 5, n - n / 5 - 1), (0, n - 1) })
            {
                var byNetwork = new float[131];
                var bySelection = new float[131];
                OrderStatistics.AverageOfRanksByNetwork(matrix, range, first, last, byNetwork, new AggregationWorkspace());
                OrderStatistics.AverageOfRanksBySelection(matrix, range, first, last, bySelection, new AggregationWorkspace());
                if (last - first <= 1)
                {
                    Assert.Equal(TestData.Bits(byNetwork), TestData.Bits(bySelection));
                }
                else
                {
                    for (var j = 0; j < 131; j++)
                        Assert.True(Math.Abs(byNetwork[j] - bySelection[j]) <= 1e-6 * NaiveAggregation.MaxAbs(rows, j), $"column {j}");
                }
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
