using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Batcher's merge-exchange sorting network for any n (Knuth, TAOCP vol. 3, 5.2.2, Algorithm M), run on "wires" that
/// are each <see cref="WireWidth"/> consecutive coordinates of one row: a compare-exchange of wires a and b is a
/// vector min/max, so every coordinate (lane) is sorted independently, without branches and without a transpose.
/// </summary>
internal static class SortingNetwork
{
    /// <summary>Coordinates per wire: four 64-byte lines (four 512-bit vectors), a sixteenth of a <see cref="CoordinatePartition.BlockSize"/>.</summary>
    public const int WireWidth = 64;

    /// <summary>
    /// Largest n mean around median sorts with a network. Measured on AVX-512 when the median also ran on it: the
    /// network beat transposing and selecting up to about a thousand rows, and its n wires of 256 bytes (256 KiB at
    /// this bound) still fit in the second-level cache.
    /// </summary>
    public const int MaxWires = 1024;

    /// <summary>
    /// Writes the comparators for <paramref name="wires"/> wires into <paramref name="comparators"/> as consecutive
    /// (a, b) pairs with a &lt; b, each index already multiplied by <see cref="WireWidth"/> (the wire's float offset),
    /// and returns how many ints that takes; writes nothing when the span is too short, so callers can size it first.
    /// </summary>
    public static int Build(int wires, Span<int> comparators)
    {
        if ((uint)wires > MaxWires)
            throw new ArgumentOutOfRangeException(nameof(wires), wires, $"networks are built for at most {MaxWires} wires");
        var needed = Generate(wires, Span<int>.Empty);
        if (comparators.Length >= needed)
            Generate(wires, comparators);
        return needed;
    }

    /// <summary>Knuth's Algorithm M; writes the pairs into <paramref name="destination"/> unless it is empty.</summary>
    private static int Generate(int wires, Span<int> destination)
    {
        if (wires < 2)
            return 0;
        var count = 0;
        var t = BitOperations.Log2((uint)(wires - 1)) + 1; // smallest t with 2^t >= wires
        for (var p = 1 << (t - 1); p > 0; p >>= 1)
        {
            int q = 1 << (t - 1), r = 0, d = p;
            while (true)
            {
                for (var i = 0; i < wires - d; i++)
                {
                    if ((i & p) != r)
                        continue;
                    if (!destination.IsEmpty)
                    {
                        destination[count] = i * WireWidth;
                        destination[count + 1] = (i + d) * WireWidth;
                    }
                    count += 2;
                }
                if (q == p)
                    break;
                d = q - p;
                q >>= 1;
                r = p;
            }
        }
        return count;
    }

    /// <summary>
    /// Sorts every lane of the first <paramref name="wireCount"/> wires of <paramref name="wires"/> ascending across
    /// wires with <paramref name="comparators"/> built for that count: afterwards wire i holds, per coordinate, the
    /// i-th smallest value.
    /// </summary>
    public static void Sort(Span<float> wires, int wireCount, ReadOnlySpan<int> comparators)
    {
        if (wires.Length < wireCount * WireWidth)
            throw new ArgumentException($"{wireCount} wires need {wireCount * WireWidth} floats, got {wires.Length}", nameof(wires));
        if (Vector512.IsHardwareAccelerated)
            Sort<Lanes512, Vector512<float>>(wires, comparators);
        else if (Vector256.IsHardwareAccelerated)
            Sort<Lanes256, Vector256<float>>(wires, comparators);
        else
            Sort<Lanes128, Vector128<float>>(wires, comparators);
    }

    private static void Sort<TLanes, TVector>(Span<float> wires, ReadOnlySpan<int> comparators)
        where TLanes : IFloatLanes<TVector>
        where TVector : struct
    {
        ref var origin = ref MemoryMarshal.GetReference(wires);
        for (var c = 0; c < comparators.Length; c += 2)
        {
            ref var a = ref Unsafe.Add(ref origin, comparators[c]);
            ref var b = ref Unsafe.Add(ref origin, comparators[c + 1]);
            for (var u = 0; u < WireWidth; u += 4 * TLanes.Count)
            {
                CompareExchange<TLanes, TVector>(ref Unsafe.Add(ref a, u), ref Unsafe.Add(ref b, u));
                CompareExchange<TLanes, TVector>(ref Unsafe.Add(ref a, u + TLanes.Count), ref Unsafe.Add(ref b, u + TLanes.Count));
                CompareExchange<TLanes, TVector>(ref Unsafe.Add(ref a, u + 2 * TLanes.Count), ref Unsafe.Add(ref b, u + 2 * TLanes.Count));
                CompareExchange<TLanes, TVector>(ref Unsafe.Add(ref a, u + 3 * TLanes.Count), ref Unsafe.Add(ref b, u + 3 * TLanes.Count));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CompareExchange<TLanes, TVector>(ref float a, ref float b)
        where TLanes : IFloatLanes<TVector>
        where TVector : struct
    {
        var x = TLanes.Load(ref a);
        var y = TLanes.Load(ref b);
        TLanes.Store(TLanes.Min(x, y), ref a);
        TLanes.Store(TLanes.Max(x, y), ref b);
    }
}
