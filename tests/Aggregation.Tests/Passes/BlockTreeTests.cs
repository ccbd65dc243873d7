namespace FedActors.Aggregation.Tests.Passes;

/// <summary>Shards' accumulators plus the combine give the recursive tree's bits for every split of the blocks.</summary>
public class BlockTreeTests
{
    private const int Width = 3;

    public static TheoryData<int> BlockCounts()
    {
        var data = new TheoryData<int>();
        for (var blocks = 1; blocks <= 40; blocks++)
            data.Add(blocks);
        return data;
    }

    [Theory]
    [MemberData(nameof(BlockCounts))]
    public void Every_split_into_shards_gives_the_recursive_trees_bits(int blocks)
    {
        var leaves = Leaves(blocks, seed: blocks);
        var expected = Expected(leaves);
        foreach (var split in Splits(blocks))
        {
            var result = new double[Width];
            BlockTree.Combine(blocks, ShardNodes(leaves, split).SelectMany(nodes => nodes), result);
            Assert.Equal(Bits(expected), Bits(result));
        }
    }

    [Fact]
    public void The_tree_order_is_not_a_running_sum()
    {
        // Guards the test above: with these leaves the grouping changes the bits, so a left-to-right fold would fail.
        double[][] leaves = [[1e16], [1.0], [-1e16], [1.0]];
        var result = new double[1];
        BlockTree.Combine(4, ShardNodes(leaves, [4]).SelectMany(nodes => nodes), result);
        Assert.Equal((1e16 + 1.0) + (-1e16 + 1.0), result[0]);
        Assert.NotEqual(((1e16 + 1.0) + -1e16) + 1.0, result[0]);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(7, 0)]
    [InlineData(7, 3)]
    [InlineData(7, 6)]
    [InlineData(16, 9)]
    public void A_missing_block_throws_and_names_it(int blocks, int missing)
    {
        var leaves = Leaves(blocks, seed: 5);
        var nodes = Enumerable.Range(0, blocks).Where(b => b != missing)
            .Select(b => new BlockTree.Node(0, b, (double[])leaves[b].Clone())).ToList();
        var error = Assert.Throws<ArgumentException>(() => BlockTree.Combine(blocks, nodes, new double[Width]));
        Assert.Contains($"block {missing}", error.Message);
    }

    [Fact]
    public void Overlapping_or_unordered_nodes_throw()
    {
        var leaves = Leaves(4, seed: 6);
        BlockTree.Node Leaf(int b) => new(0, b, (double[])leaves[b].Clone());
        Assert.Throws<ArgumentException>(() => BlockTree.Combine(4, [new BlockTree.Node(1, 0, new double[Width]), Leaf(1), Leaf(2), Leaf(3)], new double[Width]));
        Assert.Throws<ArgumentException>(() => BlockTree.Combine(4, [Leaf(1), Leaf(0), Leaf(2), Leaf(3)], new double[Width]));
        Assert.Throws<ArgumentException>(() => BlockTree.Combine(4, [Leaf(0), Leaf(1), Leaf(2), Leaf(3), Leaf(3)], new double[Width]));
        Assert.Throws<ArgumentException>(() => BlockTree.Combine(3, [Leaf(0), Leaf(1), Leaf(2), Leaf(3)], new double[Width]));
        Assert.Throws<ArgumentException>(() => BlockTree.Combine(4, [Leaf(0), Leaf(1), Leaf(2), Leaf(3)], new double[Width + 1]));
    }

    [Fact]
    public void The_accumulator_rejects_a_leaf_out_of_order()
    {
        var accumulator = new BlockTree.Accumulator();
        accumulator.AddLeaf(4, new double[Width]);
        Assert.Throws<ArgumentException>(() => accumulator.AddLeaf(6, new double[Width]));
        Assert.Throws<ArgumentException>(() => accumulator.AddLeaf(4, new double[Width]));
    }

    [Fact]
    public void A_workspace_accumulator_reuses_its_arrays_and_gives_the_same_bits()
    {
        const int blocks = 37;
        var leaves = Leaves(blocks, seed: 8);
        var expected = Bits(Expected(leaves));
        var workspace = new AggregationWorkspace();
        var seen = new HashSet<double[]>(ReferenceEqualityComparer.Instance);
        for (var pass = 0; pass < 3; pass++)
        {
            // Every pass restarts the workspace's accumulator, as each pass on a shard does.
            var tree = workspace.Tree(Width);
            for (var b = 0; b < blocks; b++)
            {
                var leaf = tree.NewLeaf();
                leaves[b].CopyTo(leaf, 0);
                tree.AddLeaf(b, leaf);
            }
            foreach (var node in tree.Nodes)
                seen.Add(node.Values);
            var result = new double[Width];
            BlockTree.Combine(blocks, tree.Nodes, result);
            Assert.Equal(expected, Bits(result));
        }
        // 37 blocks keep at most 6 partial sums live (one per level plus the new leaf); later passes reuse them.
        Assert.InRange(seen.Count, 1, 7);
    }

    /// <summary>Leaves of mixed magnitude and sign, so the grouping of the additions shows in the bits.</summary>
    private static double[][] Leaves(int blocks, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, blocks)
            .Select(_ => Enumerable.Range(0, Width).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 9))).ToArray())
            .ToArray();
    }

    private static double[] Expected(double[][] leaves)
    {
        var level = 0;
        while ((1 << level) < leaves.Length)
            level++;
        return Enumerable.Range(0, Width)
            .Select(k => PassReference.Tree(leaves.Select(leaf => leaf[k]).ToArray(), level, 0)).ToArray();
    }

    /// <summary>Each shard's nodes, built by its own accumulator from copies of its leaves (combining spends them).</summary>
    private static IEnumerable<IReadOnlyList<BlockTree.Node>> ShardNodes(double[][] leaves, int[] split)
    {
        var first = 0;
        foreach (var size in split)
        {
            var accumulator = new BlockTree.Accumulator();
            for (var b = first; b < first + size; b++)
                accumulator.AddLeaf(b, (double[])leaves[b].Clone());
            yield return accumulator.Nodes.ToList();
            first += size;
        }
    }

    /// <summary>
    /// Shard sizes: every composition of the block count up to 12 blocks; beyond, every split into one, two or three
    /// shards and a hundred random splits into up to 12 shards.
    /// </summary>
    private static IEnumerable<int[]> Splits(int blocks)
    {
        if (blocks <= 12)
        {
            for (var mask = 0; mask < 1 << (blocks - 1); mask++)
            {
                // Bit b set: a shard boundary after block b.
                var sizes = new List<int>();
                var size = 1;
                for (var b = 0; b < blocks - 1; b++)
                {
                    if ((mask >> b & 1) != 0)
                    {
                        sizes.Add(size);
                        size = 0;
                    }
                    size++;
                }
                sizes.Add(size);
                yield return sizes.ToArray();
            }
            yield break;
        }
        yield return [blocks];
        for (var a = 1; a < blocks; a++)
        {
            yield return [a, blocks - a];
            for (var b = 1; a + b < blocks; b++)
                yield return [a, b, blocks - a - b];
        }
        var random = new Random(blocks);
        for (var trial = 0; trial < 100; trial++)
        {
            var cuts = Enumerable.Range(1, blocks - 1).OrderBy(_ => random.Next()).Take(random.Next(1, 12)).Order().ToList();
            cuts.Add(blocks);
            yield return cuts.Select((cut, k) => cut - (k == 0 ? 0 : cuts[k - 1])).ToArray();
        }
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
