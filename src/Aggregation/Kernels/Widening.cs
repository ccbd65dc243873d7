using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>Float to double copies: exact, so every vector width gives the same values.</summary>
internal static class Widening
{
    /// <summary>destination[k] = (double)source[k] for k &lt; source.Length.</summary>
    public static void ToDouble(ReadOnlySpan<float> source, Span<double> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("destination is shorter than source", nameof(destination));
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(destination);
        var length = (nuint)source.Length;
        nuint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k + 16 <= length; k += 16)
            {
                var (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref from, k));
                low.StoreUnsafe(ref to, k);
                high.StoreUnsafe(ref to, k + 8);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k + 8 <= length; k += 8)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref from, k));
                low.StoreUnsafe(ref to, k);
                high.StoreUnsafe(ref to, k + 4);
            }
        }
        for (; k < length; k++)
            Unsafe.Add(ref to, k) = Unsafe.Add(ref from, k);
    }
}
