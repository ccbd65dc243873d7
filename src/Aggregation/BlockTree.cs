namespace FedActors.Aggregation;

/// <summary>
/// Combines per-block partial sums (vectors of equal width, one per block of <see cref="CoordinatePartition.BlockSize"/>
/// coordinates) by a binary tree whose shape depends only on the number of blocks, so the bits of the total never
/// depend on how blocks are split among shards.
/// </summary>
/// <remarks>
/// Node (level, i) covers blocks [i * 2^level, (i + 1) * 2^level); its value is left + right (left child first), or
/// the left child alone when the right child lies past the last block. A shard that owns blocks [first, end) builds
/// the maximal nodes inside its range with <see cref="Accumulator"/> (at most about 2 log2(blocks) vectors live);
/// <see cref="Combine"/> rebuilds the root from any set of such nodes. Pairwise summation is also more accurate than
/// a running sum.
/// </remarks>
public static class BlockTree
{
    /// <summary>A node of the tree: blocks [Index * 2^Level, (Index + 1) * 2^Level), and its partial sum.</summary>
    public sealed record Node(int Level, int Index, double[] Values);

    /// <summary>Builds a shard's nodes from its leaves, given in block order.</summary>
    public sealed class Accumulator
    {
        private readonly List<Node> _stack = [];

        /// <summary>Adds the partial sum of block <paramref name="block"/>; blocks must come in increasing, contiguous order.</summary>
        public void AddLeaf(int block, double[] values)
        {
            if (_stack.Count > 0)
            {
                var top = _stack[^1];
                if (block != ((top.Index + 1) << top.Level))
                    throw new ArgumentException($"block {block} does not follow the blocks added so far", nameof(block));
            }
            _stack.Add(new Node(0, block, values));
            // Merge while the last two nodes are the left and right children of one parent.
            while (_stack.Count >= 2)
            {
                var right = _stack[^1];
                var left = _stack[^2];
                if (left.Level != right.Level || left.Index % 2 != 0 || right.Index != left.Index + 1)
                    break;
                Add(left.Values, right.Values);
                _stack.RemoveAt(_stack.Count - 1);
                _stack[^1] = new Node(left.Level + 1, left.Index / 2, left.Values);
            }
        }

        /// <summary>The maximal nodes covering the leaves added, left to right.</summary>
        public IReadOnlyList<Node> Nodes => _stack;
    }

    /// <summary>Writes the root of the tree over <paramref name="blockCount"/> blocks into <paramref name="result"/>.</summary>
    public static void Combine(int blockCount, IEnumerable<Node> nodes, Span<double> result)
    {
        if (blockCount < 1)
            throw new ArgumentOutOfRangeException(nameof(blockCount), blockCount, "the tree needs at least one block");
        var byPosition = nodes.ToDictionary(node => (node.Level, node.Index));
        var rootLevel = 0;
        while ((1L << rootLevel) < blockCount)
            rootLevel++;
        var root = Value(rootLevel, 0, blockCount, byPosition)
            ?? throw new ArgumentException("the nodes do not cover block 0", nameof(nodes));
        if (root.Length != result.Length)
            throw new ArgumentException($"nodes have {root.Length} values, the result {result.Length}", nameof(result));
        root.CopyTo(result);
    }

    private static double[]? Value(int level, int index, int blockCount, Dictionary<(int, int), Node> nodes)
    {
        if (((long)index << level) >= blockCount)
            return null;
        if (nodes.TryGetValue((level, index), out var node))
            return node.Values;
        if (level == 0)
            throw new ArgumentException($"no partial sum for block {index}", nameof(nodes));
        var left = Value(level - 1, 2 * index, blockCount, nodes)!;
        var right = Value(level - 1, 2 * index + 1, blockCount, nodes);
        if (right is null)
            return left;
        var sum = (double[])left.Clone();
        Add(sum, right);
        return sum;
    }

    private static void Add(double[] into, double[] values)
    {
        if (into.Length != values.Length)
            throw new ArgumentException($"partial sums of {into.Length} and {values.Length} values", nameof(values));
        for (var k = 0; k < into.Length; k++)
            into[k] += values[k];
    }
}
