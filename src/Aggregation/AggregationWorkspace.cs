using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// Scratch memory a rule may use while aggregating; one per shard (per concurrent caller), reused across rounds, so
/// the hot path allocates nothing after the first round. Grows on demand and never shrinks; not thread-safe.
/// </summary>
/// <remarks>
/// It holds one float area and one double area, each starting on a 64-byte boundary, the sorting network for the
/// last row count seen, and the kept band of the order-statistic rules' counting pass. A kernel asks for each at
/// most once per call; asking again may move the area and invalidate spans handed out before. It also holds the
/// <see cref="BlockTree"/> accumulator of the cross-coordinate passes, whose node arrays are pooled: the nodes of
/// one pass stay valid until the next pass on this workspace.
/// </remarks>
public sealed class AggregationWorkspace
{
    private float[] _floats = [];
    private int _floatsOrigin;
    private int _floatsLength;
    private double[] _doubles = [];
    private int _doublesOrigin;
    private int _doublesLength;
    private float[] _band = [];
    private int[] _network = [];
    private int _networkLength;
    private int _networkWires = -1;
    private readonly BlockTree.Accumulator _tree = new();

    private readonly int _blockOffset;

    public AggregationWorkspace()
    {
    }

    /// <summary>A workspace for a shard that stores only its own columns, numbered from 0: its tree nodes are
    /// numbered from block <paramref name="blockOffset"/>, as if it held every column.</summary>
    internal AggregationWorkspace(int blockOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockOffset);
        _blockOffset = blockOffset;
    }

    /// <summary>Scratch floats; the contents are whatever the previous user left (finite values or zeros).</summary>
    internal Span<float> Floats(int length)
    {
        if (length > _floatsLength)
        {
            _floatsLength = length;
            _floats = AlignedMemory.Allocate<float>(_floatsLength, out _floatsOrigin);
        }
        return _floats.AsSpan(_floatsOrigin, length);
    }

    /// <summary>Scratch doubles; the contents are whatever the previous user left.</summary>
    internal Span<double> Doubles(int length)
    {
        if (length > _doublesLength)
        {
            _doublesLength = length;
            _doubles = AlignedMemory.Allocate<double>(_doublesLength, out _doublesOrigin);
        }
        return _doubles.AsSpan(_doublesOrigin, length);
    }

    /// <summary>
    /// Room for the kept band of <paramref name="columns"/> coordinates of an <see cref="IKeptBandRule"/>: low values,
    /// then high values. Apart from <see cref="Floats"/>, because the rule filling it uses that area.
    /// </summary>
    internal Span<float> KeptBand(int columns)
    {
        if (_band.Length < 2 * columns)
            _band = new float[2 * columns];
        return _band.AsSpan(0, 2 * columns);
    }

    /// <summary>
    /// The tree accumulator for a pass whose partial sums have <paramref name="width"/> values, emptied; the nodes
    /// of the previous pass are invalidated and their arrays reused.
    /// </summary>
    internal BlockTree.Accumulator Tree(int width)
    {
        _tree.Restart(width, _blockOffset);
        return _tree;
    }

    /// <summary>The comparators of the sorting network for <paramref name="wires"/> rows, rebuilt only when n changes.</summary>
    internal ReadOnlySpan<int> SortingNetwork(int wires)
    {
        if (wires != _networkWires)
        {
            _networkWires = -1;
            _networkLength = Kernels.SortingNetwork.Build(wires, _network);
            if (_networkLength > _network.Length)
            {
                _network = new int[_networkLength];
                Kernels.SortingNetwork.Build(wires, _network);
            }
            _networkWires = wires;
        }
        return _network.AsSpan(0, _networkLength);
    }
}
