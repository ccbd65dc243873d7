using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>
/// Feature additive noise: every feature x becomes clip(x + N(0, sigma^2), min, max) (Acharya et al. 2022, "feature
/// additive N(0, 100)" on images: sigma = 10, pixels in [0, 1]). Clipping keeps the poisoned sample in the data's valid
/// range; pass -inf / +inf to disable either side, or null for the shard's own smallest or largest feature (the
/// image's black and white however its pixels are scaled). Labels are kept, so it also applies to regression data.
/// </summary>
public sealed class FeatureNoisePoisoning : IDataPoisoning
{
    public const double DefaultSigma = 10.0;

    public FeatureNoisePoisoning(double sigma = DefaultSigma, double? min = 0.0, double? max = 1.0)
    {
        if (!double.IsFinite(sigma) || sigma < 0)
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "feature-noise sigma must be a non-negative finite number");
        PoisoningGuard.Range(min, max, nameof(min));
        Sigma = sigma;
        Min = min;
        Max = max;
    }

    public string Name => "feature-noise";

    public double Sigma { get; }

    /// <summary>The lower clip; null for the shard's smallest feature.</summary>
    public double? Min { get; }

    /// <summary>The upper clip; null for the shard's largest feature.</summary>
    public double? Max { get; }

    public Dataset Poison(Dataset shard, Random random)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var (min, max) = (Min ?? PoisoningGuard.Smallest(shard), Max ?? PoisoningGuard.Largest(shard));
        // A bound given above the shard's automatic other bound leaves nothing between them.
        PoisoningGuard.Range(min, max, nameof(Min));
        var features = new float[shard.Features.Length];
        for (var j = 0; j < features.Length; j++)
            features[j] = (float)Math.Clamp(shard.Features[j] + Sigma * random.NextGaussian(), min, max);
        return new Dataset(shard.Count, shard.FeatureCount, features, shard.Targets, shard.ClassCount);
    }
}
