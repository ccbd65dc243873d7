using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>
/// Impulse (salt-and-pepper) noise: in every sample, round(fraction * features) features, drawn uniformly without
/// replacement, are set to min or to max with probability 1/2 each (Acharya et al. 2022 corrupt 90% of the pixels,
/// fraction 0.9; the default here is a milder 0.1). A null min or max is the shard's own smallest or largest feature
/// (black and white however the pixels are scaled). Labels are kept, so it also applies to regression data.
/// </summary>
public sealed class ImpulsePoisoning : IDataPoisoning
{
    public const double DefaultFraction = 0.1;

    public ImpulsePoisoning(double fraction = DefaultFraction, double? min = 0.0, double? max = 1.0)
    {
        PoisoningGuard.Fraction(fraction, nameof(fraction));
        if (min is { } low && !double.IsFinite(low) || max is { } high && !double.IsFinite(high))
            throw new ArgumentOutOfRangeException(nameof(min), min, "impulse values must be finite");
        PoisoningGuard.Range(min, max, nameof(min));
        Fraction = fraction;
        Min = min;
        Max = max;
    }

    public string Name => "impulse";

    public double Fraction { get; }

    /// <summary>The "pepper" value; null for the shard's smallest feature.</summary>
    public double? Min { get; }

    /// <summary>The "salt" value; null for the shard's largest feature.</summary>
    public double? Max { get; }

    public Dataset Poison(Dataset shard, Random random)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var width = shard.FeatureCount;
        var (pepper, salt) = (Min ?? PoisoningGuard.Smallest(shard), Max ?? PoisoningGuard.Largest(shard));
        // A bound given above the shard's automatic other bound leaves nothing between them.
        PoisoningGuard.Range(pepper, salt, nameof(Min));
        var features = (float[])shard.Features.Clone();
        var count = PoisoningGuard.Count(Fraction, width);
        var chosen = new int[width];
        for (var i = 0; i < shard.Count; i++)
        {
            random.ChooseWithoutReplacement(chosen, count);
            var row = features.AsSpan(i * width, width);
            foreach (var j in chosen.AsSpan(0, count))
                row[j] = (float)(random.Next(2) == 0 ? pepper : salt);
        }
        return new Dataset(shard.Count, width, features, shard.Targets, shard.ClassCount);
    }
}
