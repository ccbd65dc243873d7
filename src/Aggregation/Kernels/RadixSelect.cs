using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Selection by rank without sorting, on 64-bit keys whose unsigned order is the order of the doubles they come from
/// (<see cref="Key"/>): the k-th smallest key, and the indices of the k smallest keys in index order with ties to the
/// lower index. BGMD takes its top-k columns with it.
/// </summary>
/// <remarks>
/// <para>Radix selection, 11 bits at a time from the top: count the keys' next digit into 2048 bins, keep the bin that
/// holds rank k (the bins below it add to the count of smaller keys), and go on with the next digit among the keys that
/// share the digits kept so far. At most six digits; equal keys, +0 and -0 included, share every digit, so ties cost
/// nothing extra.</para>
/// <para>The first digit is the sign and the top of the exponent, so keys of one magnitude (column scores usually are)
/// share a bin. Copying those survivors out would copy nearly everything: instead the counting pass filters on the
/// digits kept so far, and survivors are copied only once they are at most a sixteenth of the keys (from the second
/// digit on they shrink about 2000-fold a step). Counting is branch-free and spread over four histograms, so a run of
/// keys in one bin does not wait on its own increments. Quickselect took 1.7 ms at d = 10^5; the first version of this
/// selection, which copied the survivors after every digit, about 1 ms; this one about a quarter of that.</para>
/// </remarks>
internal static class RadixSelect
{
    private const int DigitBits = 11;
    private const int Bins = 1 << DigitBits;

    /// <summary>Histogram slots per copy: the digit's bins and one for keys that do not share the kept digits.</summary>
    private const int Slots = Bins + 1;

    private const int Histograms = 4;

    /// <summary>A key whose unsigned order is the order of the doubles (no NaN): -0 is taken as +0, negatives flipped whole.</summary>
    public static ulong Key(double value)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value == 0 ? 0.0 : value);
        return (bits & (1UL << 63)) != 0 ? ~bits : bits | (1UL << 63);
    }

    /// <summary>The double of a <see cref="Key"/> (+0 for either zero).</summary>
    public static double Value(ulong key) =>
        BitConverter.UInt64BitsToDouble((key & (1UL << 63)) != 0 ? key & ~(1UL << 63) : ~key);

    /// <summary>
    /// The value of rank k (0-based) of <paramref name="values"/> and how many values are smaller, with
    /// <paramref name="scratch"/> (at least as long as the values; may be the values themselves, which are then
    /// overwritten) holding their keys. Throws <see cref="ArgumentException"/> for a NaN.
    /// </summary>
    public static double KthSmallest(ReadOnlySpan<double> values, int k, Span<double> scratch, out int below)
    {
        if (scratch.Length < values.Length)
            throw new ArgumentException($"scratch holds {scratch.Length} values, needs {values.Length}", nameof(scratch));
        var keys = MemoryMarshal.Cast<double, ulong>(scratch)[..values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            // A NaN would sort below -infinity and leave a top-k caller with fewer than k columns.
            if (double.IsNaN(values[i]))
                throw new ArgumentException($"value {i} is NaN", nameof(values));
            keys[i] = Key(values[i]);
        }
        return Value(KthSmallest(keys, k, keys, out below));
    }

    /// <summary>
    /// The key of rank k (0-based) and how many keys are smaller. <paramref name="scratch"/> is at least as long as
    /// the keys and may be the keys themselves, which are then overwritten.
    /// </summary>
    public static ulong KthSmallest(ReadOnlySpan<ulong> keys, int k, Span<ulong> scratch, out int below)
    {
        if ((uint)k >= (uint)keys.Length)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"rank must be in [0, {keys.Length})");
        if (scratch.Length < keys.Length)
            throw new ArgumentException($"scratch holds {scratch.Length} keys, needs {keys.Length}", nameof(scratch));
        Span<int> counts = stackalloc int[Histograms * Slots];
        below = 0;
        var survivors = keys;
        var copied = false;
        ulong prefix = 0, prefixMask = 0;
        for (var shift = 64; shift > 0;)
        {
            var bits = Math.Min(DigitBits, shift);
            shift -= bits;
            var digitMask = (1UL << bits) - 1;
            Count(survivors, prefix, prefixMask, shift, digitMask, counts);
            var digit = TakeDigit(counts, ref k, ref below, out var inBin);
            prefix |= (ulong)digit << shift;
            prefixMask |= digitMask << shift;
            if (!copied && inBin <= survivors.Length / 16)
            {
                // Reading each key before writing at an index no larger keeps this right when scratch is the keys.
                var kept = 0;
                foreach (var key in survivors)
                {
                    if ((key & prefixMask) == prefix)
                        scratch[kept++] = key;
                }
                survivors = scratch[..kept];
                copied = true;
            }
        }
        return prefix;
    }

    /// <summary>
    /// chosen = the indices of the chosen.Length smallest keys, ascending, ties at the boundary to the lower index;
    /// <paramref name="scratch"/> as in <see cref="KthSmallest(ReadOnlySpan{ulong}, int, Span{ulong}, out int)"/>
    /// but not the keys, which the scan reads afterwards.
    /// </summary>
    public static void Smallest(ReadOnlySpan<ulong> keys, Span<ulong> scratch, Span<int> chosen)
    {
        var k = chosen.Length;
        if (k == 0)
            return;
        var boundary = KthSmallest(keys, k - 1, scratch, out var below);
        var tiedToTake = k - below;
        var count = 0;
        var j = 0;
        // Eight keys per compare: a tenth of the keys taken at random places would mispredict a per-key branch a fifth
        // of the time. Exactly k keys are taken in all (below of them smaller, k - below tied), so count stays < k.
        if (Vector512.IsHardwareAccelerated)
        {
            var bound = Vector512.Create(boundary);
            ref var start = ref MemoryMarshal.GetReference(keys);
            for (; j + Vector512<ulong>.Count <= keys.Length && count < k; j += Vector512<ulong>.Count)
            {
                var block = Vector512.LoadUnsafe(ref start, (nuint)j);
                var take = Vector512.LessThan(block, bound).ExtractMostSignificantBits();
                var tied = Vector512.Equals(block, bound).ExtractMostSignificantBits();
                for (; tied != 0 && tiedToTake > 0; tiedToTake--)
                {
                    take |= tied & (0 - tied);
                    tied &= tied - 1;
                }
                for (; take != 0; take &= take - 1)
                    chosen[count++] = j + BitOperations.TrailingZeroCount(take);
            }
        }
        for (; count < k; j++)
        {
            var key = keys[j];
            if (key < boundary || (key == boundary && tiedToTake-- > 0))
                chosen[count++] = j;
        }
    }

    /// <summary>Four interleaved histograms of the digit at <paramref name="shift"/> of the keys that match the prefix.</summary>
    private static void Count(ReadOnlySpan<ulong> keys, ulong prefix, ulong prefixMask, int shift, ulong digitMask, Span<int> counts)
    {
        counts.Clear();
        var i = 0;
        for (; i + Histograms <= keys.Length; i += Histograms)
        {
            counts[Bin(keys[i], prefix, prefixMask, shift, digitMask)]++;
            counts[Slots + Bin(keys[i + 1], prefix, prefixMask, shift, digitMask)]++;
            counts[2 * Slots + Bin(keys[i + 2], prefix, prefixMask, shift, digitMask)]++;
            counts[3 * Slots + Bin(keys[i + 3], prefix, prefixMask, shift, digitMask)]++;
        }
        for (; i < keys.Length; i++)
            counts[Bin(keys[i], prefix, prefixMask, shift, digitMask)]++;
    }

    private static int Bin(ulong key, ulong prefix, ulong prefixMask, int shift, ulong digitMask) =>
        (key & prefixMask) == prefix ? (int)((key >> shift) & digitMask) : Bins;

    /// <summary>The bin that holds rank k; k becomes the rank within it, and the bins before it add to below.</summary>
    private static int TakeDigit(ReadOnlySpan<int> counts, ref int k, ref int below, out int inBin)
    {
        for (var digit = 0; ; digit++)
        {
            inBin = counts[digit] + counts[Slots + digit] + counts[2 * Slots + digit] + counts[3 * Slots + digit];
            if (k < inBin)
                return digit;
            k -= inBin;
            below += inBin;
        }
    }
}
