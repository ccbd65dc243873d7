using System.Numerics.Tensors;

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
    public sealed record Node(int Level, int Index, double[] Values)
    {
        internal long FirstBlock => (long)Index << Level;

        internal long EndBlock => (long)(Index + 1) << Level;
    }

    /// <summary>Builds a shard's nodes from its leaves, given in block order.</summary>
    /// <remarks>
    /// Merging adds the right child into the left child's array. A workspace's accumulator (see
    /// <see cref="AggregationWorkspace"/>) also hands out the leaf arrays from a pool and takes back the right children
    /// it merges, so a pass allocates no vectors once warm; the nodes it returns stay valid until its next
    /// <see cref="Restart"/>.
    /// </remarks>
    public sealed class Accumulator
    {
        private readonly List<(int Level, int Index, double[] Values)> _stack = [];
        private readonly List<Node> _nodes = [];
        private readonly NodeBufferPool _pool = new();
        private bool _nodesCurrent = true;
        private bool _pooled;
        private int _width;
        private int _blockOffset;

        /// <summary>Adds the partial sum of block <paramref name="block"/>; blocks must come in increasing, contiguous order.</summary>
        public void AddLeaf(int block, double[] values)
        {
            ArgumentNullException.ThrowIfNull(values);
            block += _blockOffset;
            if (_stack.Count > 0)
            {
                var top = _stack[^1];
                if (block != (top.Index + 1) << top.Level)
                    throw new ArgumentException($"block {block} does not follow the blocks added so far", nameof(block));
            }
            _nodesCurrent = false;
            var entry = (Level: 0, Index: block, Values: values);
            // Merge while the last node and the new one are the left and right children of one parent.
            while (_stack.Count > 0)
            {
                var left = _stack[^1];
                if (left.Level != entry.Level || left.Index % 2 != 0 || entry.Index != left.Index + 1)
                    break;
                Add(left.Values, entry.Values);
                if (_pooled)
                    _pool.Return(entry.Values);
                _stack.RemoveAt(_stack.Count - 1);
                entry = (left.Level + 1, left.Index / 2, left.Values);
            }
            _stack.Add(entry);
        }

        /// <summary>The maximal nodes covering the leaves added, left to right.</summary>
        public IReadOnlyList<Node> Nodes
        {
            get
            {
                if (!_nodesCurrent)
                {
                    _nodes.Clear();
                    foreach (var (level, index, values) in _stack)
                        _nodes.Add(new Node(level, index, values));
                    _nodesCurrent = true;
                }
                return _nodes;
            }
        }

        /// <summary>
        /// Forgets the nodes built so far and takes their arrays back into the pool: from here on leaves come from
        /// <see cref="NewLeaf"/>, <paramref name="width"/> values each.
        /// </summary>
        /// <param name="blockOffset">Added to every leaf's block: a shard that holds only its own columns numbers its
        /// blocks from 0, and the offset (its first block) puts its nodes where they are in the whole tree.</param>
        internal void Restart(int width, int blockOffset = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(width);
            ArgumentOutOfRangeException.ThrowIfNegative(blockOffset);
            _blockOffset = blockOffset;
            _stack.Clear();
            _nodes.Clear();
            _nodesCurrent = true;
            _pool.ReclaimAll(width);
            _pooled = true;
            _width = width;
        }

        /// <summary>A pooled array of the width given to <see cref="Restart"/>; its contents are arbitrary.</summary>
        internal double[] NewLeaf()
        {
            if (!_pooled)
                throw new InvalidOperationException("Restart the accumulator before asking it for leaves");
            return _pool.Rent(_width);
        }
    }

    /// <summary>Writes the root of the tree over <paramref name="blockCount"/> blocks into <paramref name="result"/>.</summary>
    /// <remarks>
    /// The nodes must come left to right and cover blocks [0, blockCount) without gap or overlap, as the shards'
    /// <see cref="Accumulator.Nodes"/> do when listed in shard order. The sums are built in the nodes' own arrays, so
    /// their values are spent afterwards: the nodes are the pass's scratch.
    /// </remarks>
    public static void Combine(int blockCount, IEnumerable<Node> nodes, Span<double> result)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var combiner = new Combiner(blockCount, result.Length);
        foreach (var node in nodes)
            combiner.Push(node);
        combiner.Finish(result);
    }

    /// <summary><see cref="Combine(int, IEnumerable{Node}, Span{double})"/> over the shards' results in shard order (nulls skipped).</summary>
    internal static void Combine(int blockCount, IReadOnlyList<Node>?[] shards, Span<double> result)
    {
        var combiner = new Combiner(blockCount, result.Length);
        foreach (var shard in shards)
        {
            if (shard is null)
                continue;
            for (var k = 0; k < shard.Count; k++)
                combiner.Push(shard[k]);
        }
        combiner.Finish(result);
    }

    /// <summary>
    /// The nodes pushed left to right, with adjacent siblings merged at once (the merges of <see cref="Accumulator"/>
    /// carried across shard boundaries). What is left at the end is the right spine of the tree: the full subtrees
    /// for the binary digits of the block count, largest first, and the root is their sum folded from the right,
    /// s0 + (s1 + (... + s_last)), which is the recursive definition unrolled.
    /// </summary>
    private struct Combiner
    {
        // 2^31 blocks at most: levels 0..31, so the spine never holds more than 33 nodes.
        private readonly (int Level, long Index, double[] Values)[] _spine;
        private readonly int _blockCount;
        private readonly int _width;
        private int _count;
        private long _covered;

        public Combiner(int blockCount, int width)
        {
            if (blockCount < 1)
                throw new ArgumentOutOfRangeException(nameof(blockCount), blockCount, "the tree needs at least one block");
            _spine = new (int, long, double[])[34];
            _blockCount = blockCount;
            _width = width;
            _count = 0;
            _covered = 0;
        }

        public void Push(Node node)
        {
            ArgumentNullException.ThrowIfNull(node);
            if (node.Level is < 0 or > 31 || node.Index < 0)
                throw new ArgumentException($"node ({node.Level}, {node.Index}) is not in a tree", nameof(node));
            if (node.FirstBlock != _covered)
            {
                throw node.FirstBlock > _covered
                    ? new ArgumentException($"no partial sum for block {_covered}", "nodes")
                    : new ArgumentException($"node ({node.Level}, {node.Index}) overlaps blocks already covered", "nodes");
            }
            if (node.FirstBlock >= _blockCount)
                throw new ArgumentException($"node ({node.Level}, {node.Index}) lies past the last block {_blockCount - 1}", "nodes");
            if (node.Values.Length != _width)
                throw new ArgumentException($"nodes have {node.Values.Length} values, the result {_width}", "result");
            _covered = Math.Min(node.EndBlock, _blockCount);

            (int Level, long Index, double[] Values) entry = (node.Level, node.Index, node.Values);
            while (_count > 0)
            {
                var left = _spine[_count - 1];
                if (left.Level != entry.Level || left.Index % 2 != 0 || entry.Index != left.Index + 1)
                    break;
                Add(left.Values, entry.Values);
                entry = (left.Level + 1, left.Index / 2, left.Values);
                _count--;
            }
            _spine[_count++] = entry;
        }

        public void Finish(Span<double> result)
        {
            if (_covered < _blockCount)
                throw new ArgumentException($"no partial sum for block {_covered}", "nodes");
            if (_count == 1)
            {
                _spine[0].Values.CopyTo(result);
                return;
            }
            for (var k = _count - 2; k >= 1; k--)
                Add(_spine[k].Values, _spine[k + 1].Values);
            TensorPrimitives.Add(_spine[0].Values, _spine[1].Values, result);
        }
    }

    /// <summary>into += values, element by element (left operand first).</summary>
    private static void Add(double[] into, double[] values)
    {
        if (into.Length != values.Length)
            throw new ArgumentException($"partial sums of {into.Length} and {values.Length} values", nameof(values));
        TensorPrimitives.Add(into, values, into);
    }
}

/// <summary>
/// Arrays of a few widths for tree nodes, reused from pass to pass: every array handed out since the last
/// <see cref="ReclaimAll"/> is free again after it. Keeps the four widths used most recently (a rule alternates a
/// Gram matrix, distances and mixed rows' distances); older widths are dropped to the garbage collector.
/// </summary>
internal sealed class NodeBufferPool
{
    private const int MaxWidths = 4;
    private readonly List<WidthPool> _pools = [];

    public void ReclaimAll(int width)
    {
        var pool = Find(width);
        pool.Free.Clear();
        pool.Free.AddRange(pool.All);
        // Most recently used last: the first entry is the one to drop.
        _pools.Remove(pool);
        _pools.Add(pool);
        if (_pools.Count > MaxWidths)
            _pools.RemoveAt(0);
    }

    public double[] Rent(int width)
    {
        var pool = Find(width);
        if (pool.Free.Count > 0)
        {
            var array = pool.Free[^1];
            pool.Free.RemoveAt(pool.Free.Count - 1);
            return array;
        }
        var fresh = new double[width];
        pool.All.Add(fresh);
        return fresh;
    }

    public void Return(double[] array)
    {
        var pool = Find(array.Length);
        pool.Free.Add(array);
    }

    private WidthPool Find(int width)
    {
        foreach (var pool in _pools)
        {
            if (pool.Width == width)
                return pool;
        }
        var added = new WidthPool(width);
        _pools.Add(added);
        return added;
    }

    private sealed record WidthPool(int Width)
    {
        public List<double[]> All { get; } = [];

        public List<double[]> Free { get; } = [];
    }
}
