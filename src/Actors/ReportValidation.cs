using System.Numerics.Tensors;

namespace FedActors.Actors;

internal static class ReportValidation
{
    /// <summary>Index of the first NaN or infinity, or -1. Such a value would poison every rule that sums or sorts.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        // The vectorised check runs on every accepted report; the scan for the index only on the rare bad one.
        if (TensorPrimitives.IsFiniteAll(values))
            return -1;
        for (var j = 0; j < values.Length; j++)
        {
            if (!float.IsFinite(values[j]))
                return j;
        }
        return -1;
    }
}
