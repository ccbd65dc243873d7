using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Coordinate-wise sums over rows: weighted sums sum_i w_i x_ij (and the mixed rows of Y = M X, one weighted sum per
/// output row) and the column moments sum_i x_ij, sum_i x_ij^2. Each coordinate's sum is one chain of additions in
/// row order starting from +0, in double, so its value depends neither on the vector width nor on the range.
/// </summary>
/// <remarks>
/// Rows are added into a tile of double sums that stays in the second-level cache, four rows per pass over the tile
/// (((s + w0 x0) + w1 x1) + w2 x2) + w3 x3, so the sums are loaded and stored once per four rows. The tile is wide so
/// that each row is read in long runs: switching rows every 4 KiB measured half the memory bandwidth. Rows whose weight
/// is exactly zero are skipped: their term is a signed zero, and adding a zero to a sum that started at +0 never
/// changes its bits (such a sum is never -0), so skipping them is exact and sparse weights read only the rows they
/// use.
/// </remarks>
internal static class WeightedRows
{
    /// <summary>Coordinates per tile of sums: 512 KiB of doubles in the second-level cache, and 256 KiB of each row read in one go.</summary>
    public const int TileColumns = 64 * 1024;

    /// <summary>Bytes of matrix a mix keeps in the second-level cache while it computes every output row on them.</summary>
    private const int MixTileBytes = 512 * 1024;

    /// <summary>Columns per register tile of a mix: four Vector512 of doubles per output row.</summary>
    private const int MixStrip = 32;

    /// <summary>output[j - range.Start] = (float)(sum_i weights[i] * x_ij) for j in the range.</summary>
    public static void WeightedSum(GradientMatrix matrix, CoordinateRange range, ReadOnlySpan<double> weights, Span<float> output,
        Span<double> scratch)
    {
        if (output.Length != range.Length)
            throw new ArgumentException($"output has {output.Length} values for a range of {range.Length}", nameof(output));
        for (var offset = 0; offset < range.Length; offset += TileColumns)
        {
            var columns = Math.Min(TileColumns, range.Length - offset);
            var sums = scratch[..columns];
            sums.Clear();
            Accumulate(matrix, range.Start + offset, weights, sums);
            Narrow(sums, output.Slice(offset, columns));
        }
    }

    /// <summary>
    /// Row r of <paramref name="target"/> = sum_i mixing[r * n + i] * x_i on the range, for r &lt; target.Rows. The
    /// matrix is read from memory once: each tile of columns stays in cache while every output row is summed on it.
    /// </summary>
    /// <remarks>
    /// With n output rows a mix costs as much arithmetic as a Gram matrix, so with Vector512 four output rows of 32
    /// coordinates keep their sums in registers while the n input rows go by; leftover rows and columns take the
    /// tile-of-sums path, which adds in the same order.
    /// </remarks>
    public static void Mix(GradientMatrix matrix, CoordinateRange range, ReadOnlySpan<double> mixing, GradientMatrix target,
        Span<double> scratch)
    {
        var n = matrix.Rows;
        var tileColumns = Math.Clamp(MixTileBytes / (sizeof(float) * n) / MixStrip * MixStrip, MixStrip, TileColumns);
        // Whether each block of four output rows is sparse depends on the weights alone: decided once, not per tile.
        var blocks = target.Rows / 4;
        Span<bool> sparse = blocks <= 1024 ? stackalloc bool[blocks] : new bool[blocks];
        for (var block = 0; block < blocks; block++)
            sparse[block] = Sparse(mixing.Slice(4 * block * n, 4 * n), n);
        // Likewise which output rows are one or two input rows (MixTwoRows): the weights are scanned once per call.
        Span<TwoRows> few = target.Rows <= 1024 ? stackalloc TwoRows[target.Rows] : new TwoRows[target.Rows];
        for (var row = 0; row < target.Rows; row++)
            few[row] = TwoRows.Of(mixing.Slice(row * n, n));
        for (var offset = 0; offset < range.Length; offset += tileColumns)
        {
            var columns = Math.Min(tileColumns, range.Length - offset);
            var start = range.Start + offset;
            var strips = Vector512.IsHardwareAccelerated ? columns / MixStrip * MixStrip : 0;
            var r = 0;
            if (strips > 0)
            {
                for (; r + 4 <= target.Rows; r += 4)
                {
                    var weights = mixing.Slice(r * n, 4 * n);
                    var split = sparse[r / 4] ? 0 : strips;
                    if (split > 0)
                        MixFourRows512(matrix, start, split, weights, target, r);
                    for (var row = r; row < r + 4; row++)
                        MixOneRow(matrix, start + split, columns - split, mixing.Slice(row * n, n), few[row], target.Row(row), scratch);
                }
            }
            for (; r < target.Rows; r++)
                MixOneRow(matrix, start, columns, mixing.Slice(r * n, n), few[r], target.Row(r), scratch);
        }
    }

    /// <summary>
    /// Whether four output rows use so few input rows in common that summing each on its own (reading only its
    /// nonzero rows) beats the register kernel, which reads every row any of the four uses: a diagonal (clipping),
    /// disjoint buckets. Both paths add in the same order, so this only decides the speed.
    /// </summary>
    private static bool Sparse(ReadOnlySpan<double> weights, int n)
    {
        int used = 0, terms = 0;
        for (var i = 0; i < n; i++)
        {
            var count = (weights[i] != 0 ? 1 : 0) + (weights[n + i] != 0 ? 1 : 0) + (weights[2 * n + i] != 0 ? 1 : 0) + (weights[3 * n + i] != 0 ? 1 : 0);
            used += count > 0 ? 1 : 0;
            terms += count;
        }
        return 2 * used > terms;
    }

    private static void MixOneRow(GradientMatrix matrix, int start, int columns, ReadOnlySpan<double> weights, TwoRows few,
        Span<float> targetRow, Span<double> scratch)
    {
        if (columns == 0)
            return;
        if (Vector512.IsHardwareAccelerated && few.First >= 0)
        {
            MixTwoRows(matrix, start, columns, weights, few, targetRow);
            return;
        }
        var sums = scratch[..columns];
        sums.Clear();
        Accumulate(matrix, start, weights, sums);
        Narrow(sums, targetRow.Slice(start, columns));
    }

    /// <summary>
    /// The input rows of an output row when it has one or two nonzero weights (First and Second, Second -1 for one);
    /// First is -1 for any other row.
    /// </summary>
    private readonly record struct TwoRows(int First, int Second)
    {
        public static TwoRows Of(ReadOnlySpan<double> weights)
        {
            int first = -1, second = -1;
            for (var i = 0; i < weights.Length; i++)
            {
                if (weights[i] == 0)
                    continue;
                if (first < 0)
                    first = i;
                else if (second < 0)
                    second = i;
                else
                    return new TwoRows(-1, -1);
            }
            return new TwoRows(first, second);
        }
    }

    /// <summary>
    /// An output row made of one or two input rows (a group mean of GMoM, a bucket of two, a clipped row) in one pass
    /// with the sums in registers instead of through the double scratch: the same additions in the same order (0, then
    /// each weighted row by index), so the same bits.
    /// </summary>
    private static void MixTwoRows(GradientMatrix matrix, int start, int columns, ReadOnlySpan<double> weights, TwoRows rows,
        Span<float> targetRow)
    {
        var (first, second) = rows;
        ref var x0 = ref Start(matrix, first, start);
        ref var x1 = ref Start(matrix, second < 0 ? first : second, start);
        var w0 = weights[first];
        var w1 = second < 0 ? 0.0 : weights[second];
        var two = second >= 0;
        ref var target = ref MemoryMarshal.GetReference(targetRow[start..]);
        var length = (nuint)columns;
        var v0 = Vector512.Create(w0);
        var v1 = Vector512.Create(w1);
        nuint j = 0;
        for (; j + 16 <= length; j += 16)
        {
            var (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x0, j));
            var low = Vector512<double>.Zero + v0 * a;
            var high = Vector512<double>.Zero + v0 * b;
            if (two)
            {
                (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x1, j));
                low += v1 * a;
                high += v1 * b;
            }
            Vector512.Narrow(low, high).StoreUnsafe(ref target, j);
        }
        for (; j < length; j++)
        {
            var sum = 0.0 + w0 * Unsafe.Add(ref x0, j);
            if (two)
                sum += w1 * Unsafe.Add(ref x1, j);
            Unsafe.Add(ref target, j) = (float)sum;
        }
    }

    /// <summary>Target rows r..r+3 on columns [start, start + width), width a multiple of 32; sums in 16 registers.</summary>
    private static void MixFourRows512(GradientMatrix matrix, int start, int width, ReadOnlySpan<double> weights, GradientMatrix target, int r)
    {
        var n = matrix.Rows;
        ref var w0 = ref MemoryMarshal.GetReference(weights);
        ref var w1 = ref Unsafe.Add(ref w0, n);
        ref var w2 = ref Unsafe.Add(ref w0, 2 * n);
        ref var w3 = ref Unsafe.Add(ref w0, 3 * n);
        // Rows lie one fixed stride apart in the matrix's buffer; stepping by it avoids a span per row and strip.
        ref var first = ref MemoryMarshal.GetReference(matrix.RowView(0)[start..]);
        var stride = n > 1 ? Unsafe.ByteOffset(ref MemoryMarshal.GetReference(matrix.RowView(0)), ref MemoryMarshal.GetReference(matrix.RowView(1))) / sizeof(float) : 0;
        // No call may follow the loop while the sums are live: every vector register is caller-saved, and the JIT
        // would keep the sums on the stack throughout.
        ref var t0 = ref MemoryMarshal.GetReference(target.Row(r).Slice(start, width));
        ref var t1 = ref MemoryMarshal.GetReference(target.Row(r + 1).Slice(start, width));
        ref var t2 = ref MemoryMarshal.GetReference(target.Row(r + 2).Slice(start, width));
        ref var t3 = ref MemoryMarshal.GetReference(target.Row(r + 3).Slice(start, width));
        for (nuint strip = 0; strip < (nuint)width; strip += MixStrip)
        {
            Vector512<double> s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = Vector512<double>.Zero;
            s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = Vector512<double>.Zero;
            ref var x = ref Unsafe.Add(ref first, strip);
            for (var i = 0; i < n; i++, x = ref Unsafe.Add(ref x, stride))
            {
                double a = Unsafe.Add(ref w0, i), b = Unsafe.Add(ref w1, i), c = Unsafe.Add(ref w2, i), e = Unsafe.Add(ref w3, i);
                if (a == 0 && b == 0 && c == 0 && e == 0)
                    continue;
                var (x0, x1) = Vector512.Widen(Vector512.LoadUnsafe(ref x));
                var (x2, x3) = Vector512.Widen(Vector512.LoadUnsafe(ref x, 16));
                var v = Vector512.Create(a);
                s00 += v * x0; s01 += v * x1; s02 += v * x2; s03 += v * x3;
                v = Vector512.Create(b);
                s10 += v * x0; s11 += v * x1; s12 += v * x2; s13 += v * x3;
                v = Vector512.Create(c);
                s20 += v * x0; s21 += v * x1; s22 += v * x2; s23 += v * x3;
                v = Vector512.Create(e);
                s30 += v * x0; s31 += v * x1; s32 += v * x2; s33 += v * x3;
            }
            Vector512.Narrow(s00, s01).StoreUnsafe(ref t0, strip);
            Vector512.Narrow(s02, s03).StoreUnsafe(ref t0, strip + 16);
            Vector512.Narrow(s10, s11).StoreUnsafe(ref t1, strip);
            Vector512.Narrow(s12, s13).StoreUnsafe(ref t1, strip + 16);
            Vector512.Narrow(s20, s21).StoreUnsafe(ref t2, strip);
            Vector512.Narrow(s22, s23).StoreUnsafe(ref t2, strip + 16);
            Vector512.Narrow(s30, s31).StoreUnsafe(ref t3, strip);
            Vector512.Narrow(s32, s33).StoreUnsafe(ref t3, strip + 16);
        }
    }

    /// <summary>sums[j - range.Start] = sum_i x_ij and squares[j - range.Start] = sum_i x_ij^2 for j in the range.</summary>
    public static void ColumnMoments(GradientMatrix matrix, CoordinateRange range, Span<double> sums, Span<double> squares)
    {
        if (sums.Length != range.Length || squares.Length != range.Length)
            throw new ArgumentException($"sums and squares need {range.Length} values", nameof(sums));
        sums.Clear();
        squares.Clear();
        var rows = matrix.Rows;
        // Sums and squares of a tile stay in the second-level cache while four rows at a time are added.
        const int tileColumns = TileColumns / 2;
        for (var offset = 0; offset < range.Length; offset += tileColumns)
        {
            var columns = Math.Min(tileColumns, range.Length - offset);
            var start = range.Start + offset;
            ref var s = ref MemoryMarshal.GetReference(sums.Slice(offset, columns));
            ref var q = ref MemoryMarshal.GetReference(squares.Slice(offset, columns));
            var i = 0;
            for (; i + 4 <= rows; i += 4)
            {
                MomentsOfFour(ref s, ref q, (nuint)columns,
                    ref Start(matrix, i, start), ref Start(matrix, i + 1, start),
                    ref Start(matrix, i + 2, start), ref Start(matrix, i + 3, start));
            }
            for (; i < rows; i++)
            {
                ref var x = ref Start(matrix, i, start);
                MomentsOfFour(ref s, ref q, (nuint)columns, ref x, ref x, ref x, ref x, count: 1);
            }
        }
    }

    /// <summary>sums[j] += w_i x_(i, start + j) for the rows of nonzero weight, in row order.</summary>
    private static void Accumulate(GradientMatrix matrix, int start, ReadOnlySpan<double> weights, Span<double> sums)
    {
        var columns = (nuint)sums.Length;
        ref var s = ref MemoryMarshal.GetReference(sums);
        Span<int> group = stackalloc int[4];
        var count = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0)
                continue;
            group[count++] = i;
            if (count < 4)
                continue;
            AddFour(ref s, columns,
                weights[group[0]], ref Start(matrix, group[0], start), weights[group[1]], ref Start(matrix, group[1], start),
                weights[group[2]], ref Start(matrix, group[2], start), weights[group[3]], ref Start(matrix, group[3], start));
            count = 0;
        }
        for (var k = 0; k < count; k++)
            AddOne(ref s, columns, weights[group[k]], ref Start(matrix, group[k], start));
    }

    private static void AddFour(ref double s, nuint columns,
        double w0, ref float x0, double w1, ref float x1, double w2, ref float x2, double w3, ref float x3)
    {
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var v0 = Vector512.Create(w0);
            var v1 = Vector512.Create(w1);
            var v2 = Vector512.Create(w2);
            var v3 = Vector512.Create(w3);
            for (; j + 16 <= columns; j += 16)
            {
                var low = Vector512.LoadUnsafe(ref s, j);
                var high = Vector512.LoadUnsafe(ref s, j + 8);
                var (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x0, j));
                low += v0 * a;
                high += v0 * b;
                (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x1, j));
                low += v1 * a;
                high += v1 * b;
                (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x2, j));
                low += v2 * a;
                high += v2 * b;
                (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x3, j));
                low += v3 * a;
                high += v3 * b;
                low.StoreUnsafe(ref s, j);
                high.StoreUnsafe(ref s, j + 8);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var v0 = Vector256.Create(w0);
            var v1 = Vector256.Create(w1);
            var v2 = Vector256.Create(w2);
            var v3 = Vector256.Create(w3);
            for (; j + 8 <= columns; j += 8)
            {
                var low = Vector256.LoadUnsafe(ref s, j);
                var high = Vector256.LoadUnsafe(ref s, j + 4);
                var (a, b) = Vector256.Widen(Vector256.LoadUnsafe(ref x0, j));
                low += v0 * a;
                high += v0 * b;
                (a, b) = Vector256.Widen(Vector256.LoadUnsafe(ref x1, j));
                low += v1 * a;
                high += v1 * b;
                (a, b) = Vector256.Widen(Vector256.LoadUnsafe(ref x2, j));
                low += v2 * a;
                high += v2 * b;
                (a, b) = Vector256.Widen(Vector256.LoadUnsafe(ref x3, j));
                low += v3 * a;
                high += v3 * b;
                low.StoreUnsafe(ref s, j);
                high.StoreUnsafe(ref s, j + 4);
            }
        }
        for (; j < columns; j++)
        {
            var sum = Unsafe.Add(ref s, j);
            sum += w0 * Unsafe.Add(ref x0, j);
            sum += w1 * Unsafe.Add(ref x1, j);
            sum += w2 * Unsafe.Add(ref x2, j);
            sum += w3 * Unsafe.Add(ref x3, j);
            Unsafe.Add(ref s, j) = sum;
        }
    }

    private static void AddOne(ref double s, nuint columns, double w, ref float x)
    {
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.Create(w);
            for (; j + 16 <= columns; j += 16)
            {
                var (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x, j));
                (Vector512.LoadUnsafe(ref s, j) + v * a).StoreUnsafe(ref s, j);
                (Vector512.LoadUnsafe(ref s, j + 8) + v * b).StoreUnsafe(ref s, j + 8);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var v = Vector256.Create(w);
            for (; j + 8 <= columns; j += 8)
            {
                var (a, b) = Vector256.Widen(Vector256.LoadUnsafe(ref x, j));
                (Vector256.LoadUnsafe(ref s, j) + v * a).StoreUnsafe(ref s, j);
                (Vector256.LoadUnsafe(ref s, j + 4) + v * b).StoreUnsafe(ref s, j + 4);
            }
        }
        for (; j < columns; j++)
            Unsafe.Add(ref s, j) += w * Unsafe.Add(ref x, j);
    }

    /// <summary>Adds rows x0..x(count-1) to the sums and their squares (a float squared is exact in double).</summary>
    private static void MomentsOfFour(ref double s, ref double q, nuint columns,
        ref float x0, ref float x1, ref float x2, ref float x3, int count = 4)
    {
        nuint j = 0;
        if (count == 4 && Vector512.IsHardwareAccelerated)
        {
            for (; j + 8 <= columns; j += 8)
            {
                var sum = Vector512.LoadUnsafe(ref s, j);
                var square = Vector512.LoadUnsafe(ref q, j);
                var a = WidenEight(ref x0, j);
                sum += a;
                square = Vector512.FusedMultiplyAdd(a, a, square);
                a = WidenEight(ref x1, j);
                sum += a;
                square = Vector512.FusedMultiplyAdd(a, a, square);
                a = WidenEight(ref x2, j);
                sum += a;
                square = Vector512.FusedMultiplyAdd(a, a, square);
                a = WidenEight(ref x3, j);
                sum += a;
                square = Vector512.FusedMultiplyAdd(a, a, square);
                sum.StoreUnsafe(ref s, j);
                square.StoreUnsafe(ref q, j);
            }
        }
        else if (count == 1 && Vector512.IsHardwareAccelerated)
        {
            for (; j + 8 <= columns; j += 8)
            {
                var a = WidenEight(ref x0, j);
                (Vector512.LoadUnsafe(ref s, j) + a).StoreUnsafe(ref s, j);
                Vector512.FusedMultiplyAdd(a, a, Vector512.LoadUnsafe(ref q, j)).StoreUnsafe(ref q, j);
            }
        }
        for (; j < columns; j++)
        {
            double sum = Unsafe.Add(ref s, j), square = Unsafe.Add(ref q, j);
            double a = Unsafe.Add(ref x0, j);
            sum += a;
            square += a * a;
            if (count == 4)
            {
                a = Unsafe.Add(ref x1, j);
                sum += a;
                square += a * a;
                a = Unsafe.Add(ref x2, j);
                sum += a;
                square += a * a;
                a = Unsafe.Add(ref x3, j);
                sum += a;
                square += a * a;
            }
            Unsafe.Add(ref s, j) = sum;
            Unsafe.Add(ref q, j) = square;
        }
    }

    /// <summary>output[j] = (float)sums[j]: one rounding, to nearest, on every path.</summary>
    private static void Narrow(ReadOnlySpan<double> sums, Span<float> output)
    {
        ref var from = ref MemoryMarshal.GetReference(sums);
        ref var to = ref MemoryMarshal.GetReference(output);
        var length = (nuint)output.Length;
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= length; j += 16)
                Vector512.Narrow(Vector512.LoadUnsafe(ref from, j), Vector512.LoadUnsafe(ref from, j + 8)).StoreUnsafe(ref to, j);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= length; j += 8)
                Vector256.Narrow(Vector256.LoadUnsafe(ref from, j), Vector256.LoadUnsafe(ref from, j + 4)).StoreUnsafe(ref to, j);
        }
        for (; j < length; j++)
            Unsafe.Add(ref to, j) = (float)Unsafe.Add(ref from, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> WidenEight(ref float source, nuint offset)
    {
        var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, offset));
        return Vector512.Create(low, high);
    }

    private static ref float Start(GradientMatrix matrix, int row, int start) =>
        ref MemoryMarshal.GetReference(matrix.RowView(row)[start..]);
}
