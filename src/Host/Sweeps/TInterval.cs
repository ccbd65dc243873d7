using MathNet.Numerics.Distributions;

namespace FedActors.Host.Sweeps;

/// <summary>A mean with its two-sided confidence interval.</summary>
public readonly record struct MeanInterval(double Mean, double Low, double High, int Count)
{
    public double HalfWidth => (High - Low) / 2;
}

/// <summary>
/// Student's t confidence interval of a mean over seeds: mean ± t(1 - (1 - c)/2, n - 1) · s / √n, with s the sample
/// standard deviation (divisor n - 1). Seeds are few, so the normal quantile 1.96 would be far too narrow: at n = 2
/// the t quantile is 12.71, at n = 3 it is 4.30. One value has no spread to measure; its interval is the value itself.
/// </summary>
public static class TInterval
{
    public static MeanInterval Of(IReadOnlyList<double> values, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        if (confidence is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "must be in (0, 1)");
        var n = values.Count;
        var mean = values.Sum() / n;
        if (n == 1)
            return new MeanInterval(mean, mean, mean, 1);
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        var half = StudentT.InvCDF(0, 1, n - 1, 1 - (1 - confidence) / 2) * Math.Sqrt(variance / n);
        return new MeanInterval(mean, mean - half, mean + half, n);
    }
}
