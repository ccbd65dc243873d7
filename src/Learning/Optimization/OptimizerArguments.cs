namespace FedActors.Learning;

/// <summary>The checks the optimizers' constructors share, each naming the offending argument.</summary>
internal static class OptimizerArguments
{
    /// <summary>Throws unless <paramref name="value"/> is positive and finite.</summary>
    public static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, "Must be positive and finite.");
    }

    /// <summary>Throws unless <paramref name="value"/> is non-negative and finite.</summary>
    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, "Must be non-negative and finite.");
    }

    /// <summary>Throws unless <paramref name="value"/> lies in [0, 1).</summary>
    public static void Decay(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, "Must be in [0, 1).");
    }
}
