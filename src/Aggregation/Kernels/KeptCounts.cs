using System.Numerics;
using System.Runtime.InteropServices;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// counts[i] = #{ j in a block : low_j &lt;= x_ij &lt;= high_j }, the coordinates at which row i's value lies in
/// the band a coordinate-wise rule kept. Integer counts, so the result does not depend on the order of the sweep.
/// </summary>
internal static class KeptCounts
{
    public static void Count(GradientMatrix matrix, CoordinateRange block, ReadOnlySpan<float> low, ReadOnlySpan<float> high,
        Span<double> counts)
    {
        if (low.Length != block.Length || high.Length != block.Length)
            throw new ArgumentException($"the band has {low.Length} and {high.Length} values, expected {block.Length}");
        for (var i = 0; i < matrix.Rows; i++)
            counts[i] = Inside(matrix.RowView(i).Slice(block.Start, block.Length), low, high);
    }

    private static int Inside(ReadOnlySpan<float> values, ReadOnlySpan<float> low, ReadOnlySpan<float> high)
    {
        ref var x = ref MemoryMarshal.GetReference(values);
        ref var lo = ref MemoryMarshal.GetReference(low);
        ref var hi = ref MemoryMarshal.GetReference(high);
        var j = 0;
        var count = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // A true comparison is all ones (-1), so subtracting the mask adds one per kept value.
            var inside = Vector<int>.Zero;
            for (; j + Vector<float>.Count <= values.Length; j += Vector<float>.Count)
            {
                var value = Vector.LoadUnsafe(ref x, (nuint)j);
                inside -= Vector.GreaterThanOrEqual(value, Vector.LoadUnsafe(ref lo, (nuint)j))
                    & Vector.LessThanOrEqual(value, Vector.LoadUnsafe(ref hi, (nuint)j));
            }
            count = Vector.Sum(inside);
        }
        for (; j < values.Length; j++)
        {
            if (low[j] <= values[j] && values[j] <= high[j])
                count++;
        }
        return count;
    }
}
