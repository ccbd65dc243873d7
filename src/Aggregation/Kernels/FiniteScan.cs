using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>Finds NaN and infinity fast: x - x is +0 for every finite x and NaN otherwise, and NaN survives a sum.</summary>
internal static class FiniteScan
{
    /// <summary>The index of the first value that is NaN or infinite, or -1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        ref var start = ref MemoryMarshal.GetReference(values);
        var length = (nuint)values.Length;
        nuint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var poison = Vector512<float>.Zero;
            for (; k + 16 <= length; k += 16)
            {
                var v = Vector512.LoadUnsafe(ref start, k);
                poison += v - v;
            }
            if (poison != Vector512<float>.Zero)
                return FirstNonFiniteScalar(values);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var poison = Vector256<float>.Zero;
            for (; k + 8 <= length; k += 8)
            {
                var v = Vector256.LoadUnsafe(ref start, k);
                poison += v - v;
            }
            if (poison != Vector256<float>.Zero)
                return FirstNonFiniteScalar(values);
        }
        for (; k < length; k++)
        {
            if (!float.IsFinite(values[(int)k]))
                return (int)k;
        }
        return -1;
    }

    public static int FirstNonFinite(ReadOnlySpan<double> values)
    {
        for (var k = 0; k < values.Length; k++)
        {
            if (!double.IsFinite(values[k]))
                return k;
        }
        return -1;
    }

    private static int FirstNonFiniteScalar(ReadOnlySpan<float> values)
    {
        for (var k = 0; k < values.Length; k++)
        {
            if (!float.IsFinite(values[k]))
                return k;
        }
        return -1;
    }
}
