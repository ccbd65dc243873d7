using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// The values of two ranks of one column, by introselect (Musser 1997): quickselect with a median-of-three pivot that
/// falls back to sorting the remaining range when partitioning stops shrinking it, so the worst case is O(n log n).
/// </summary>
/// <remarks>
/// Partitioning is out of place, between two scratch buffers used in turn: each value is read once and written to
/// both ends of the destination, and only the end its comparison picks advances. There is no branch on the data
/// (half of a branchy partition's comparisons are mispredicted on random gradients) and no load of a value stored
/// an iteration earlier (an in-place branch-free Lomuto waits on store forwarding every element). A range keeps the
/// same indices in both buffers, so after the two ranks part ways each is selected in its own disjoint range.
/// Values equal to the pivot go right; when the pivot sample holds a tie (many equal values, e.g. a coordinate that
/// is zero for most workers), a second pass gathers the run equal to the pivot and a rank inside it is answered at once.
/// </remarks>
internal static class Selection
{
    private const int SortBelow = 16;

    /// <summary>
    /// The values of ranks <paramref name="first"/> &lt;= <paramref name="last"/> (0-based) of <paramref name="column"/>,
    /// which is left unchanged. Both scratch buffers hold at least column.Length floats.
    /// </summary>
    public static (float First, float Last) Ranks(ReadOnlySpan<float> column, int first, int last, Span<float> scratch, Span<float> spare)
    {
        var n = column.Length;
        if (first < 0 || last < first || last >= n)
            throw new ArgumentOutOfRangeException(nameof(first), $"ranks {first}..{last} do not lie in [0, {n})");
        if (scratch.Length < n || spare.Length < n)
            throw new ArgumentException("scratch buffers are shorter than the column", nameof(scratch));

        column.CopyTo(scratch);
        var current = scratch[..n];
        var other = spare[..n];
        var lo = 0;
        var hi = n - 1;
        var partitionsLeft = 2 * BitOperations.Log2((uint)n) + 4;
        while (first != last && hi - lo >= SortBelow && partitionsLeft > 0)
        {
            partitionsLeft--;
            var (pivot, sampleHasTie) = MedianOfThree(current, lo, hi);
            var split = Partition(current, other, lo, hi, pivot, inclusive: false);
            Swap(ref current, ref other);
            if (last < split)
            {
                hi = split - 1;
                continue;
            }
            if (first < split)
                return (One(current, other, lo, split - 1, first, ref partitionsLeft), One(current, other, split, hi, last, ref partitionsLeft));
            lo = split;
            if (!sampleHasTie)
                continue;
            var above = Partition(current, other, lo, hi, pivot, inclusive: true);
            Swap(ref current, ref other);
            if (last < above)
                return (pivot, pivot);
            if (first < above)
                return (pivot, One(current, other, above, hi, last, ref partitionsLeft));
            lo = above;
        }
        if (first == last)
        {
            var value = One(current, other, lo, hi, first, ref partitionsLeft);
            return (value, value);
        }
        current[lo..(hi + 1)].Sort();
        return (current[first], current[last]);
    }

    /// <summary>The value of rank k, which lies in [lo, hi]; the range's values are in current[lo..hi].</summary>
    private static float One(Span<float> current, Span<float> other, int lo, int hi, int k, ref int partitionsLeft)
    {
        while (hi - lo >= SortBelow)
        {
            if (k == lo)
                return TensorPrimitives.Min(current[lo..(hi + 1)]);
            if (k == hi)
                return TensorPrimitives.Max(current[lo..(hi + 1)]);
            if (partitionsLeft-- <= 0)
                break;
            var (pivot, sampleHasTie) = MedianOfThree(current, lo, hi);
            var split = Partition(current, other, lo, hi, pivot, inclusive: false);
            Swap(ref current, ref other);
            if (k < split)
            {
                hi = split - 1;
                continue;
            }
            lo = split;
            if (!sampleHasTie)
                continue;
            var above = Partition(current, other, lo, hi, pivot, inclusive: true);
            Swap(ref current, ref other);
            if (k < above)
                return pivot;
            lo = above;
        }
        current[lo..(hi + 1)].Sort();
        return current[k];
    }

    /// <summary>
    /// Writes source[lo..hi] to destination[lo..hi]: the values below the pivot (or not above it, when inclusive)
    /// first, the others after, and returns where the others start. Each value is written to both ends; the end its
    /// comparison does not pick is overwritten later, since it is a slot not yet claimed.
    /// </summary>
    private static int Partition(Span<float> source, Span<float> destination, int lo, int hi, float pivot, bool inclusive)
    {
        // Native-sized indices: int indices cost a sign extension per access in this hot loop.
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(destination);
        nint low = lo;
        nint high = hi;
        if (inclusive)
        {
            for (nint read = lo; read <= hi; read++)
            {
                var value = Unsafe.Add(ref from, read);
                Unsafe.Add(ref to, low) = value;
                Unsafe.Add(ref to, high) = value;
                nint goesLow = value <= pivot ? 1 : 0;
                low += goesLow;
                high += goesLow - 1;
            }
        }
        else
        {
            for (nint read = lo; read <= hi; read++)
            {
                var value = Unsafe.Add(ref from, read);
                Unsafe.Add(ref to, low) = value;
                Unsafe.Add(ref to, high) = value;
                nint goesLow = value < pivot ? 1 : 0;
                low += goesLow;
                high += goesLow - 1;
            }
        }
        return (int)low;
    }

    /// <summary>
    /// The median of values[lo], values[mid], values[hi], and whether two of them are equal. Without a tie the
    /// smallest sample is below the pivot and the largest above it, so both sides of a partition are non-empty.
    /// </summary>
    private static (float Pivot, bool SampleHasTie) MedianOfThree(Span<float> values, int lo, int hi)
    {
        var a = values[lo];
        var b = values[lo + (hi - lo) / 2];
        var c = values[hi];
        var tie = a == b || b == c || a == c;
        var median = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
        return (median, tie);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Swap(ref Span<float> a, ref Span<float> b)
    {
        var t = a;
        a = b;
        b = t;
    }
}
