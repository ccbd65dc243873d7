using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Copies a block of matrix columns into a tile where each column's values are contiguous:
/// tile[c * columnStride + i] = x[i, start + c]. Pure data movement, so every implementation gives the same tile.
/// </summary>
internal static class Transpose
{
    public static void Columns(GradientMatrix matrix, int start, int columns, Span<float> tile, int columnStride)
    {
        var rows = matrix.Rows;
        if (columnStride < rows || tile.Length < (long)(columns - 1) * columnStride + rows)
            throw new ArgumentException("the tile is too small", nameof(tile));
        ref var destination = ref MemoryMarshal.GetReference(tile);
        var i = 0;
        if (Avx.IsSupported)
        {
            for (; i + 8 <= rows; i += 8)
                EightRows(matrix, i, start, columns, ref destination, columnStride);
        }
        for (; i < rows; i++)
        {
            ref var source = ref MemoryMarshal.GetReference(matrix.RowView(i).Slice(start, columns));
            for (var c = 0; c < columns; c++)
                Unsafe.Add(ref destination, c * columnStride + i) = Unsafe.Add(ref source, c);
        }
    }

    /// <summary>Rows i..i+7: 8 x 8 blocks transposed in registers (unpack, shuffle, lane permute), the rest one by one.</summary>
    private static void EightRows(GradientMatrix matrix, int i, int start, int columns, ref float destination, int columnStride)
    {
        ref var r0 = ref MemoryMarshal.GetReference(matrix.RowView(i).Slice(start, columns));
        ref var r1 = ref MemoryMarshal.GetReference(matrix.RowView(i + 1).Slice(start, columns));
        ref var r2 = ref MemoryMarshal.GetReference(matrix.RowView(i + 2).Slice(start, columns));
        ref var r3 = ref MemoryMarshal.GetReference(matrix.RowView(i + 3).Slice(start, columns));
        ref var r4 = ref MemoryMarshal.GetReference(matrix.RowView(i + 4).Slice(start, columns));
        ref var r5 = ref MemoryMarshal.GetReference(matrix.RowView(i + 5).Slice(start, columns));
        ref var r6 = ref MemoryMarshal.GetReference(matrix.RowView(i + 6).Slice(start, columns));
        ref var r7 = ref MemoryMarshal.GetReference(matrix.RowView(i + 7).Slice(start, columns));
        var c = 0;
        for (; c + 8 <= columns; c += 8)
        {
            var offset = (nuint)c;
            var t0 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r0, offset), Vector256.LoadUnsafe(ref r1, offset));
            var t1 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r0, offset), Vector256.LoadUnsafe(ref r1, offset));
            var t2 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r2, offset), Vector256.LoadUnsafe(ref r3, offset));
            var t3 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r2, offset), Vector256.LoadUnsafe(ref r3, offset));
            var t4 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r4, offset), Vector256.LoadUnsafe(ref r5, offset));
            var t5 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r4, offset), Vector256.LoadUnsafe(ref r5, offset));
            var t6 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r6, offset), Vector256.LoadUnsafe(ref r7, offset));
            var t7 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r6, offset), Vector256.LoadUnsafe(ref r7, offset));
            var s0 = Avx.Shuffle(t0, t2, 0x44);
            var s1 = Avx.Shuffle(t0, t2, 0xEE);
            var s2 = Avx.Shuffle(t1, t3, 0x44);
            var s3 = Avx.Shuffle(t1, t3, 0xEE);
            var s4 = Avx.Shuffle(t4, t6, 0x44);
            var s5 = Avx.Shuffle(t4, t6, 0xEE);
            var s6 = Avx.Shuffle(t5, t7, 0x44);
            var s7 = Avx.Shuffle(t5, t7, 0xEE);
            ref var column = ref Unsafe.Add(ref destination, c * columnStride + i);
            Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref column);
            Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref Unsafe.Add(ref column, columnStride));
            Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref Unsafe.Add(ref column, 2 * columnStride));
            Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref Unsafe.Add(ref column, 3 * columnStride));
            Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref Unsafe.Add(ref column, 4 * columnStride));
            Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref Unsafe.Add(ref column, 5 * columnStride));
            Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref Unsafe.Add(ref column, 6 * columnStride));
            Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref Unsafe.Add(ref column, 7 * columnStride));
        }
        for (; c < columns; c++)
        {
            ref var column = ref Unsafe.Add(ref destination, c * columnStride + i);
            column = Unsafe.Add(ref r0, c);
            Unsafe.Add(ref column, 1) = Unsafe.Add(ref r1, c);
            Unsafe.Add(ref column, 2) = Unsafe.Add(ref r2, c);
            Unsafe.Add(ref column, 3) = Unsafe.Add(ref r3, c);
            Unsafe.Add(ref column, 4) = Unsafe.Add(ref r4, c);
            Unsafe.Add(ref column, 5) = Unsafe.Add(ref r5, c);
            Unsafe.Add(ref column, 6) = Unsafe.Add(ref r6, c);
            Unsafe.Add(ref column, 7) = Unsafe.Add(ref r7, c);
        }
    }
}
