using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Float data summed in double. Every kernel here gives the same bits whatever the vector width the machine has and
/// wherever the data sits in memory, because each result depends only on the values and their order in the span.
/// </summary>
internal static class DoubleAccumulation
{
    /// <summary>accumulator[k] += (double)values[k] for k &lt; values.Length. Lanes are independent.</summary>
    public static void AddWidened(ReadOnlySpan<float> values, Span<double> accumulator)
    {
        if (accumulator.Length < values.Length)
            throw new ArgumentException("accumulator is shorter than values", nameof(accumulator));
        ref var source = ref MemoryMarshal.GetReference(values);
        ref var sum = ref MemoryMarshal.GetReference(accumulator);
        var length = (nuint)values.Length;
        nuint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k + 16 <= length; k += 16)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref source, k));
                (Vector512.LoadUnsafe(ref sum, k) + lower).StoreUnsafe(ref sum, k);
                (Vector512.LoadUnsafe(ref sum, k + 8) + upper).StoreUnsafe(ref sum, k + 8);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k + 8 <= length; k += 8)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref source, k));
                (Vector256.LoadUnsafe(ref sum, k) + lower).StoreUnsafe(ref sum, k);
                (Vector256.LoadUnsafe(ref sum, k + 4) + upper).StoreUnsafe(ref sum, k + 4);
            }
        }
        for (; k < length; k++)
            Unsafe.Add(ref sum, k) += Unsafe.Add(ref source, k);
    }

    /// <summary>output[k] = (float)(accumulator[k] / divisor): one correctly rounded division, then one rounding to float.</summary>
    public static void StoreQuotient(ReadOnlySpan<double> accumulator, double divisor, Span<float> output)
    {
        if (accumulator.Length < output.Length)
            throw new ArgumentException("accumulator is shorter than output", nameof(accumulator));
        ref var sum = ref MemoryMarshal.GetReference(accumulator);
        ref var destination = ref MemoryMarshal.GetReference(output);
        var length = (nuint)output.Length;
        nuint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var by = Vector512.Create(divisor);
            for (; k + 16 <= length; k += 16)
            {
                var lower = Vector512.LoadUnsafe(ref sum, k) / by;
                var upper = Vector512.LoadUnsafe(ref sum, k + 8) / by;
                Vector512.Narrow(lower, upper).StoreUnsafe(ref destination, k);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var by = Vector256.Create(divisor);
            for (; k + 8 <= length; k += 8)
            {
                var lower = Vector256.LoadUnsafe(ref sum, k) / by;
                var upper = Vector256.LoadUnsafe(ref sum, k + 4) / by;
                Vector256.Narrow(lower, upper).StoreUnsafe(ref destination, k);
            }
        }
        for (; k < length; k++)
            Unsafe.Add(ref destination, k) = (float)(Unsafe.Add(ref sum, k) / divisor);
    }
}
