using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// The n x d float32 matrix of one round's gradients: row i is the report of the worker in slot i, rows are kept in
/// worker-id order, and all rows live row-major in one buffer allocated once per run and reused across rounds.
/// </summary>
/// <remarks>
/// Each row starts on a 64-byte boundary and the row stride is an odd number of 64-byte lines: vector loads at the
/// same column of different rows are equally aligned, and rows read side by side (as the order-statistic kernels
/// do) do not evict each other from the cache when d is a power of two. <see cref="Row"/> and <see cref="RowView"/>
/// still expose exactly <see cref="Columns"/> values.
/// </remarks>
public sealed class GradientMatrix
{
    private readonly float[] _buffer;
    private readonly int _origin;
    private readonly int _stride;

    public GradientMatrix(int rowCapacity, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        _stride = AlignedMemory.OddLineStride(columns);
        var length = (long)rowCapacity * _stride;
        if (length > Array.MaxLength - AlignedMemory.AlignmentBytes)
            throw new ArgumentException(
                $"a {rowCapacity} x {columns} gradient matrix needs {length} floats, more than one .NET array holds ({Array.MaxLength})");
        _buffer = AlignedMemory.Allocate<float>((int)length, out _origin);
        RowCapacity = rowCapacity;
        Columns = columns;
        Rows = rowCapacity;
    }

    /// <summary>Number of slots, one per worker.</summary>
    public int RowCapacity { get; }

    /// <summary>Number of coordinates d of every row.</summary>
    public int Columns { get; }

    /// <summary>Rows in use: <see cref="RowCapacity"/> until <see cref="Compact"/> drops absent slots.</summary>
    public int Rows { get; private set; }

    /// <summary>Writable slot <paramref name="i"/> (any slot below <see cref="RowCapacity"/>).</summary>
    public Span<float> Row(int i)
    {
        if ((uint)i >= (uint)RowCapacity)
            throw new ArgumentOutOfRangeException(nameof(i), i, $"slot must be in [0, {RowCapacity})");
        return new Span<float>(_buffer, _origin + i * _stride, Columns);
    }

    /// <summary>Row <paramref name="i"/> of the rows in use (below <see cref="Rows"/>).</summary>
    public ReadOnlySpan<float> RowView(int i)
    {
        if ((uint)i >= (uint)Rows)
            throw new ArgumentOutOfRangeException(nameof(i), i, $"row must be in [0, {Rows})");
        return new ReadOnlySpan<float>(_buffer, _origin + i * _stride, Columns);
    }

    /// <summary>
    /// Moves the rows whose slot is present to the front, keeping worker-id order, sets <see cref="Rows"/> to their
    /// count and returns it. Copies nothing when every slot is present. Call once per round, after
    /// <see cref="ResetRows"/>: a second call would read slots the first one already overwrote.
    /// </summary>
    public int Compact(ReadOnlySpan<bool> present)
    {
        if (present.Length != RowCapacity)
            throw new ArgumentException($"presence has {present.Length} entries, the matrix has {RowCapacity} slots", nameof(present));
        if (Rows != RowCapacity)
            throw new InvalidOperationException("the matrix was already compacted this round; call ResetRows before compacting again");

        var kept = 0;
        for (var slot = 0; slot < RowCapacity; slot++)
        {
            if (!present[slot])
                continue;
            if (kept != slot)
                Row(slot).CopyTo(Row(kept));
            kept++;
        }
        Rows = kept;
        return kept;
    }

    /// <summary>
    /// Row 0's first value, for kernels that walk many rows at once (row i starts <see cref="RowStride"/> floats further);
    /// valid for the rows in use.
    /// </summary>
    internal ref readonly float Origin => ref _buffer[_origin];

    /// <summary>Floats from one row's start to the next one's.</summary>
    internal int RowStride => _stride;

    /// <summary>Makes every slot usable again for the next round (Rows = RowCapacity); does not clear data.</summary>
    public void ResetRows() => Rows = RowCapacity;
}
