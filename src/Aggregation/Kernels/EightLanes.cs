using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// The one summation order of every cross-coordinate sum over a block (a dot product, a squared distance, a Gram
/// entry): eight double lanes, where lane l adds the terms of the coordinates j = l, l + 8, l + 16, ... of the block
/// (j counted from the block's start) in increasing j, starting from +0; then
/// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).
/// </summary>
/// <remarks>
/// The order is fixed logically, not by the hardware: one Vector512 holds the eight lanes, two Vector256 hold lanes
/// 0-3 and 4-7, and the scalar path keeps eight doubles, so AVX-512, AVX2 and no SIMD at all give the same bits. A
/// zero term (a padded coordinate) leaves a lane's bits alone, because a lane that starts at +0 is never -0.
/// </remarks>
internal static class EightLanes
{
    public const int Count = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector512<double> lanes) => Sum(lanes.GetLower(), lanes.GetUpper());

    /// <summary>Lanes 0-3 in <paramref name="low"/>, 4-7 in <paramref name="high"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector256<double> low, Vector256<double> high)
    {
        var halves = low + high;
        var quarters = halves.GetLower() + halves.GetUpper();
        return quarters.ToScalar() + quarters.GetElement(1);
    }

    public static double Sum(ReadOnlySpan<double> lanes)
    {
        if (lanes.Length != Count)
            throw new ArgumentException($"expected {Count} lanes, got {lanes.Length}", nameof(lanes));
        var h0 = lanes[0] + lanes[4];
        var h1 = lanes[1] + lanes[5];
        var h2 = lanes[2] + lanes[6];
        var h3 = lanes[3] + lanes[7];
        return (h0 + h2) + (h1 + h3);
    }
}
