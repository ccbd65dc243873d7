using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Per row i and per block b of a run of consecutive blocks, the sum over the block of a term of (x_ij, y_j) for a
/// vector y: &lt;x_i, y&gt; or ||x_i - y||^2, in the order of <see cref="EightLanes"/>, into partials[b * n + i].
/// </summary>
/// <remarks>
/// Four rows at a time share each load of y and run their four chains of additions side by side. The rows are read
/// across the whole run before the next four: long runs of one row keep the hardware prefetchers streaming, where
/// hopping between rows every block (4 KiB) measured half the memory bandwidth.
/// </remarks>
internal static class RowBlockSums
{
    /// <summary>partials[b * n + i] = sum_j x_ij * y_j over block b of the run (products of floats are exact in double).</summary>
    public static void Dots(GradientMatrix matrix, CoordinateRange run, ReadOnlySpan<float> y, Span<double> partials) =>
        Sum<DotTerm>(matrix, run, y, partials);

    /// <summary>partials[b * n + i] = sum_j (x_ij - y_j)^2 over block b of the run: the difference and the square each rounded in double.</summary>
    public static void SquaredDistances(GradientMatrix matrix, CoordinateRange run, ReadOnlySpan<float> y, Span<double> partials) =>
        Sum<SquaredDifferenceTerm>(matrix, run, y, partials);

    /// <summary>Blocks of <see cref="CoordinatePartition.BlockSize"/> in a run (the last may be partial).</summary>
    public static int BlockCount(CoordinateRange run) => (run.Length + CoordinatePartition.BlockSize - 1) / CoordinatePartition.BlockSize;

    private static void Sum<TTerm>(GradientMatrix matrix, CoordinateRange run, ReadOnlySpan<float> y, Span<double> partials)
        where TTerm : struct, ITerm
    {
        if (y.Length != run.Length)
            throw new ArgumentException($"y has {y.Length} values for a run of {run.Length}", nameof(y));
        var rows = matrix.Rows;
        var blocks = BlockCount(run);
        if (partials.Length < blocks * rows)
            throw new ArgumentException("partials is shorter than blocks x rows", nameof(partials));
        ref var yStart = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated)
        {
            for (; i + 4 <= rows; i += 4)
            {
                for (var b = 0; b < blocks; b++)
                {
                    var offset = b * CoordinatePartition.BlockSize;
                    var block = new CoordinateRange(run.Start + offset, Math.Min(CoordinatePartition.BlockSize, run.Length - offset));
                    var partial = partials.Slice(b * rows, rows);
                    if (Vector512.IsHardwareAccelerated)
                        FourRows512<TTerm>(matrix, block, i, ref Unsafe.Add(ref yStart, offset), partial);
                    else
                        FourRows256<TTerm>(matrix, block, i, ref Unsafe.Add(ref yStart, offset), partial);
                }
            }
        }
        for (; i < rows; i++)
        {
            var x = matrix.RowView(i).Slice(run.Start, run.Length);
            for (var b = 0; b < blocks; b++)
            {
                var offset = b * CoordinatePartition.BlockSize;
                var length = Math.Min(CoordinatePartition.BlockSize, run.Length - offset);
                OneRowScalar<TTerm>(x.Slice(offset, length), y.Slice(offset, length), out partials[b * rows + i]);
            }
        }
    }

    private static void FourRows512<TTerm>(GradientMatrix matrix, CoordinateRange block, int first, ref float y, Span<double> partial)
        where TTerm : struct, ITerm
    {
        ref var x0 = ref Start(matrix, first, block);
        ref var x1 = ref Start(matrix, first + 1, block);
        ref var x2 = ref Start(matrix, first + 2, block);
        ref var x3 = ref Start(matrix, first + 3, block);
        var length = (nuint)block.Length;
        Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
        nuint j = 0;
        for (; j + 16 <= length; j += 16)
        {
            // Coordinates j..j+7 then j+8..j+15: each lane gets its two terms in increasing j.
            var (yLow, yHigh) = Vector512.Widen(Vector512.LoadUnsafe(ref y, j));
            var (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref x0, j));
            s0 = TTerm.Add(TTerm.Add(s0, low, yLow), high, yHigh);
            (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref x1, j));
            s1 = TTerm.Add(TTerm.Add(s1, low, yLow), high, yHigh);
            (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref x2, j));
            s2 = TTerm.Add(TTerm.Add(s2, low, yLow), high, yHigh);
            (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref x3, j));
            s3 = TTerm.Add(TTerm.Add(s3, low, yLow), high, yHigh);
        }
        if (j + 8 <= length)
        {
            var yEight = WidenEight(ref y, j);
            s0 = TTerm.Add(s0, WidenEight(ref x0, j), yEight);
            s1 = TTerm.Add(s1, WidenEight(ref x1, j), yEight);
            s2 = TTerm.Add(s2, WidenEight(ref x2, j), yEight);
            s3 = TTerm.Add(s3, WidenEight(ref x3, j), yEight);
            j += 8;
        }
        if (j == length)
        {
            partial[first] = EightLanes.Sum(s0);
            partial[first + 1] = EightLanes.Sum(s1);
            partial[first + 2] = EightLanes.Sum(s2);
            partial[first + 3] = EightLanes.Sum(s3);
            return;
        }
        Span<double> lanes = stackalloc double[EightLanes.Count];
        s0.CopyTo(lanes);
        partial[first] = FinishScalar<TTerm>(lanes, ref x0, ref y, j, length);
        s1.CopyTo(lanes);
        partial[first + 1] = FinishScalar<TTerm>(lanes, ref x1, ref y, j, length);
        s2.CopyTo(lanes);
        partial[first + 2] = FinishScalar<TTerm>(lanes, ref x2, ref y, j, length);
        s3.CopyTo(lanes);
        partial[first + 3] = FinishScalar<TTerm>(lanes, ref x3, ref y, j, length);
    }

    /// <summary>Lanes 0-3 in the low vectors, 4-7 in the high ones.</summary>
    private static void FourRows256<TTerm>(GradientMatrix matrix, CoordinateRange block, int first, ref float y, Span<double> partial)
        where TTerm : struct, ITerm
    {
        ref var x0 = ref Start(matrix, first, block);
        ref var x1 = ref Start(matrix, first + 1, block);
        ref var x2 = ref Start(matrix, first + 2, block);
        ref var x3 = ref Start(matrix, first + 3, block);
        var length = (nuint)block.Length;
        Vector256<double> l0 = default, l1 = default, l2 = default, l3 = default;
        Vector256<double> h0 = default, h1 = default, h2 = default, h3 = default;
        nuint j = 0;
        for (; j + 8 <= length; j += 8)
        {
            var (yLow, yHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref y, j));
            var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref x0, j));
            l0 = TTerm.Add(l0, low, yLow);
            h0 = TTerm.Add(h0, high, yHigh);
            (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref x1, j));
            l1 = TTerm.Add(l1, low, yLow);
            h1 = TTerm.Add(h1, high, yHigh);
            (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref x2, j));
            l2 = TTerm.Add(l2, low, yLow);
            h2 = TTerm.Add(h2, high, yHigh);
            (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref x3, j));
            l3 = TTerm.Add(l3, low, yLow);
            h3 = TTerm.Add(h3, high, yHigh);
        }
        if (j == length)
        {
            partial[first] = EightLanes.Sum(l0, h0);
            partial[first + 1] = EightLanes.Sum(l1, h1);
            partial[first + 2] = EightLanes.Sum(l2, h2);
            partial[first + 3] = EightLanes.Sum(l3, h3);
            return;
        }
        Span<double> lanes = stackalloc double[EightLanes.Count];
        partial[first] = FinishScalar<TTerm>(Lanes(l0, h0, lanes), ref x0, ref y, j, length);
        partial[first + 1] = FinishScalar<TTerm>(Lanes(l1, h1, lanes), ref x1, ref y, j, length);
        partial[first + 2] = FinishScalar<TTerm>(Lanes(l2, h2, lanes), ref x2, ref y, j, length);
        partial[first + 3] = FinishScalar<TTerm>(Lanes(l3, h3, lanes), ref x3, ref y, j, length);
    }

    private static void OneRowScalar<TTerm>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out double sum) where TTerm : struct, ITerm
    {
        Span<double> lanes = stackalloc double[EightLanes.Count];
        lanes.Clear();
        sum = FinishScalar<TTerm>(lanes, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), 0, (nuint)x.Length);
    }

    /// <summary>Adds the terms of coordinates [j, length) to their lanes one by one, then sums the lanes.</summary>
    private static double FinishScalar<TTerm>(Span<double> lanes, ref float x, ref float y, nuint j, nuint length)
        where TTerm : struct, ITerm
    {
        for (; j < length; j++)
        {
            var lane = (int)(j % EightLanes.Count);
            lanes[lane] = TTerm.Add(lanes[lane], Unsafe.Add(ref x, j), Unsafe.Add(ref y, j));
        }
        return EightLanes.Sum(lanes);
    }

    private static Span<double> Lanes(Vector256<double> low, Vector256<double> high, Span<double> lanes)
    {
        low.CopyTo(lanes);
        high.CopyTo(lanes[4..]);
        return lanes;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> WidenEight(ref float source, nuint offset)
    {
        var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, offset));
        return Vector512.Create(low, high);
    }

    private static ref float Start(GradientMatrix matrix, int row, CoordinateRange block) =>
        ref MemoryMarshal.GetReference(matrix.RowView(row).Slice(block.Start, block.Length));

    /// <summary>One term added to a lane: the vector forms give, lane by lane, exactly the scalar form's bits.</summary>
    private interface ITerm
    {
        static abstract Vector512<double> Add(Vector512<double> sum, Vector512<double> x, Vector512<double> y);
        static abstract Vector256<double> Add(Vector256<double> sum, Vector256<double> x, Vector256<double> y);
        static abstract double Add(double sum, double x, double y);
    }

    /// <summary>sum + x * y. The product of two floats is exact in double, so a fused multiply-add rounds the same.</summary>
    private readonly struct DotTerm : ITerm
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<double> Add(Vector512<double> sum, Vector512<double> x, Vector512<double> y) =>
            Vector512.FusedMultiplyAdd(x, y, sum);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<double> Add(Vector256<double> sum, Vector256<double> x, Vector256<double> y) =>
            Vector256.FusedMultiplyAdd(x, y, sum);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Add(double sum, double x, double y) => sum + x * y;
    }

    /// <summary>sum + (x - y)^2 with the square rounded before the addition: no fused multiply-add here.</summary>
    private readonly struct SquaredDifferenceTerm : ITerm
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<double> Add(Vector512<double> sum, Vector512<double> x, Vector512<double> y)
        {
            var difference = x - y;
            return sum + difference * difference;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<double> Add(Vector256<double> sum, Vector256<double> x, Vector256<double> y)
        {
            var difference = x - y;
            return sum + difference * difference;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Add(double sum, double x, double y)
        {
            var difference = x - y;
            return sum + difference * difference;
        }
    }
}
