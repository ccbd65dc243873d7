using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// The Gram matrix of one block: partial[i * n + k] = sum_j x_ij * x_kj over the block's coordinates, each entry in
/// the order of <see cref="EightLanes"/>, for all i, k (symmetric).
/// </summary>
/// <remarks>
/// <para>A register-blocked kernel: rows are taken four at a time (the row count padded with zero rows), and a tile
/// of 4 x 4 row pairs keeps its sixteen 8-lane sums in registers while it walks the whole block, so each load of a
/// row feeds four fused multiply-adds and the loads never limit the multiply-adds. Only tiles on or above the
/// diagonal are computed; the rest is the mirror image (x_ij * x_kj = x_kj * x_ij exactly). It runs at about the
/// machine's peak of double fused multiply-adds (PassesBenchmark).</para>
/// <para>The block's rows are first widened to double into a zero-padded buffer, read once from memory and then
/// from cache by every tile. Halving the buffer by widening inside the kernel, or cutting the block into shorter
/// chunks whose lane sums wait in memory between chunks, measured no faster at n = 200 and slower at n = 1000.
/// Tiling changes which sums are live at a time, never the order of the additions within a lane, so the bits do not
/// depend on it or on the vector width.</para>
/// </remarks>
internal static class GramBlock
{
    private const int TileRows = 4;

    /// <summary>Scratch doubles <see cref="Compute"/> needs for <paramref name="rows"/> rows and blocks of at most <paramref name="blockLength"/>.</summary>
    public static int ScratchLength(int rows, int blockLength) =>
        checked(PaddedRows(rows) * Stride(blockLength));

    public static void Compute(GradientMatrix matrix, CoordinateRange block, Span<double> partial, Span<double> scratch)
    {
        var n = matrix.Rows;
        if (partial.Length != n * n)
            throw new ArgumentException($"partial has {partial.Length} values for {n} rows", nameof(partial));
        var padded = PaddedRows(n);
        var stride = Stride(block.Length);
        if (scratch.Length < padded * stride)
            throw new ArgumentException("scratch is too short", nameof(scratch));
        var steps = (block.Length + EightLanes.Count - 1) / EightLanes.Count;
        var width = steps * EightLanes.Count;
        for (var i = 0; i < n; i++)
        {
            var target = scratch.Slice(i * stride, width);
            // Exact, so the library's own vector width cannot change a bit.
            TensorPrimitives.ConvertChecked<float, double>(matrix.RowView(i).Slice(block.Start, block.Length), target);
            target[block.Length..].Clear();
        }
        // Padding rows and columns are zero: their products are signed zeros, which leave every lane's bits alone.
        scratch[(n * stride)..(padded * stride)].Clear();

        var rows = new Rows(scratch, stride, steps);
        for (var i = 0; i < padded; i += TileRows)
        {
            for (var k = i; k < padded; k += TileRows)
            {
                if (Vector512.IsHardwareAccelerated)
                    Tile512(rows, i, k, partial, n);
                else if (Vector256.IsHardwareAccelerated)
                    Tile256(rows, i, k, partial, n);
                else
                    TileScalar(rows, i, k, partial, n);
            }
        }
    }

    /// <summary>The widened block: row i at <c>i * Stride</c>, <c>Steps</c> groups of eight coordinates (the last zero-padded).</summary>
    private readonly ref struct Rows(Span<double> buffer, int stride, int steps)
    {
        private readonly Span<double> _buffer = buffer;
        private readonly int _stride = stride;

        public int Steps { get; } = steps;

        public ref double Row(int i) => ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), i * _stride);
    }

    private static void Tile512(Rows rows, int i, int k, Span<double> partial, int n)
    {
        ref var a0 = ref rows.Row(i);
        ref var a1 = ref rows.Row(i + 1);
        ref var a2 = ref rows.Row(i + 2);
        ref var a3 = ref rows.Row(i + 3);
        ref var b0 = ref rows.Row(k);
        ref var b1 = ref rows.Row(k + 1);
        ref var b2 = ref rows.Row(k + 2);
        ref var b3 = ref rows.Row(k + 3);
        Vector512<double> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = Vector512<double>.Zero;
        c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = Vector512<double>.Zero;
        var end = (nuint)(rows.Steps * EightLanes.Count);
        for (nuint j = 0; j < end; j += 8)
        {
            var x0 = Vector512.LoadUnsafe(ref a0, j);
            var x1 = Vector512.LoadUnsafe(ref a1, j);
            var x2 = Vector512.LoadUnsafe(ref a2, j);
            var x3 = Vector512.LoadUnsafe(ref a3, j);
            var y = Vector512.LoadUnsafe(ref b0, j);
            c00 = Vector512.FusedMultiplyAdd(x0, y, c00);
            c10 = Vector512.FusedMultiplyAdd(x1, y, c10);
            c20 = Vector512.FusedMultiplyAdd(x2, y, c20);
            c30 = Vector512.FusedMultiplyAdd(x3, y, c30);
            y = Vector512.LoadUnsafe(ref b1, j);
            c01 = Vector512.FusedMultiplyAdd(x0, y, c01);
            c11 = Vector512.FusedMultiplyAdd(x1, y, c11);
            c21 = Vector512.FusedMultiplyAdd(x2, y, c21);
            c31 = Vector512.FusedMultiplyAdd(x3, y, c31);
            y = Vector512.LoadUnsafe(ref b2, j);
            c02 = Vector512.FusedMultiplyAdd(x0, y, c02);
            c12 = Vector512.FusedMultiplyAdd(x1, y, c12);
            c22 = Vector512.FusedMultiplyAdd(x2, y, c22);
            c32 = Vector512.FusedMultiplyAdd(x3, y, c32);
            y = Vector512.LoadUnsafe(ref b3, j);
            c03 = Vector512.FusedMultiplyAdd(x0, y, c03);
            c13 = Vector512.FusedMultiplyAdd(x1, y, c13);
            c23 = Vector512.FusedMultiplyAdd(x2, y, c23);
            c33 = Vector512.FusedMultiplyAdd(x3, y, c33);
        }
        Write(partial, n, i, k, 0, 0, EightLanes.Sum(c00)); Write(partial, n, i, k, 0, 1, EightLanes.Sum(c01));
        Write(partial, n, i, k, 0, 2, EightLanes.Sum(c02)); Write(partial, n, i, k, 0, 3, EightLanes.Sum(c03));
        Write(partial, n, i, k, 1, 0, EightLanes.Sum(c10)); Write(partial, n, i, k, 1, 1, EightLanes.Sum(c11));
        Write(partial, n, i, k, 1, 2, EightLanes.Sum(c12)); Write(partial, n, i, k, 1, 3, EightLanes.Sum(c13));
        Write(partial, n, i, k, 2, 0, EightLanes.Sum(c20)); Write(partial, n, i, k, 2, 1, EightLanes.Sum(c21));
        Write(partial, n, i, k, 2, 2, EightLanes.Sum(c22)); Write(partial, n, i, k, 2, 3, EightLanes.Sum(c23));
        Write(partial, n, i, k, 3, 0, EightLanes.Sum(c30)); Write(partial, n, i, k, 3, 1, EightLanes.Sum(c31));
        Write(partial, n, i, k, 3, 2, EightLanes.Sum(c32)); Write(partial, n, i, k, 3, 3, EightLanes.Sum(c33));
    }

    /// <summary>The 4 x 4 tile as four 2 x 2 sub-tiles, lanes 0-3 and 4-7 in two Vector256 each (16 registers on AVX2).</summary>
    private static void Tile256(Rows rows, int i, int k, Span<double> partial, int n)
    {
        for (var a = 0; a < TileRows; a += 2)
        {
            for (var b = 0; b < TileRows; b += 2)
                SubTile256(rows, i + a, k + b, partial, n);
        }
    }

    private static void SubTile256(Rows rows, int i, int k, Span<double> partial, int n)
    {
        ref var x0Row = ref rows.Row(i);
        ref var x1Row = ref rows.Row(i + 1);
        ref var y0Row = ref rows.Row(k);
        ref var y1Row = ref rows.Row(k + 1);
        Vector256<double> l00, h00, l01, h01, l10, h10, l11, h11;
        l00 = h00 = l01 = h01 = l10 = h10 = l11 = h11 = Vector256<double>.Zero;
        var end = (nuint)(rows.Steps * EightLanes.Count);
        for (nuint j = 0; j < end; j += 8)
        {
            var x0Low = Vector256.LoadUnsafe(ref x0Row, j);
            var x0High = Vector256.LoadUnsafe(ref x0Row, j + 4);
            var x1Low = Vector256.LoadUnsafe(ref x1Row, j);
            var x1High = Vector256.LoadUnsafe(ref x1Row, j + 4);
            var yLow = Vector256.LoadUnsafe(ref y0Row, j);
            var yHigh = Vector256.LoadUnsafe(ref y0Row, j + 4);
            l00 = Vector256.FusedMultiplyAdd(x0Low, yLow, l00);
            h00 = Vector256.FusedMultiplyAdd(x0High, yHigh, h00);
            l10 = Vector256.FusedMultiplyAdd(x1Low, yLow, l10);
            h10 = Vector256.FusedMultiplyAdd(x1High, yHigh, h10);
            yLow = Vector256.LoadUnsafe(ref y1Row, j);
            yHigh = Vector256.LoadUnsafe(ref y1Row, j + 4);
            l01 = Vector256.FusedMultiplyAdd(x0Low, yLow, l01);
            h01 = Vector256.FusedMultiplyAdd(x0High, yHigh, h01);
            l11 = Vector256.FusedMultiplyAdd(x1Low, yLow, l11);
            h11 = Vector256.FusedMultiplyAdd(x1High, yHigh, h11);
        }
        Write(partial, n, i, k, 0, 0, EightLanes.Sum(l00, h00));
        Write(partial, n, i, k, 0, 1, EightLanes.Sum(l01, h01));
        Write(partial, n, i, k, 1, 0, EightLanes.Sum(l10, h10));
        Write(partial, n, i, k, 1, 1, EightLanes.Sum(l11, h11));
    }

    private static void TileScalar(Rows rows, int i, int k, Span<double> partial, int n)
    {
        Span<double> lanes = stackalloc double[EightLanes.Count];
        var end = rows.Steps * EightLanes.Count;
        for (var a = 0; a < TileRows; a++)
        {
            for (var b = 0; b < TileRows; b++)
            {
                lanes.Clear();
                ref var x = ref rows.Row(i + a);
                ref var y = ref rows.Row(k + b);
                for (var j = 0; j < end; j++)
                    lanes[j % EightLanes.Count] += Unsafe.Add(ref x, j) * Unsafe.Add(ref y, j);
                Write(partial, n, i, k, a, b, EightLanes.Sum(lanes));
            }
        }
    }

    /// <summary>Entry (i + a, k + b) and its mirror, when both rows are real rather than padding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(Span<double> partial, int n, int i, int k, int a, int b, double value)
    {
        var row = i + a;
        var column = k + b;
        if (row >= n || column >= n)
            return;
        partial[row * n + column] = value;
        partial[column * n + row] = value;
    }

    private static int PaddedRows(int rows) => RoundUp(rows, TileRows);

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>The block rounded up to whole groups of eight, plus eight: an odd number of 64-byte lines, so rows read
    /// side by side do not fall into the same cache sets.</summary>
    private static int Stride(int blockLength) => (RoundUp(blockLength, 2 * EightLanes.Count) | EightLanes.Count);
}
