using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>
/// Backdoor: round(fraction * count) samples, drawn uniformly without replacement, are relabelled to the target class
/// (Acharya et al. 2022 relabel to class 8 with fraction 1). Optionally each relabelled sample also gets a trigger:
/// its last <c>triggerFeatures</c> features set to <c>triggerValue</c> (a bright strip of pixels at the end of an
/// image row-major; a null trigger value is the shard's largest feature, white however the pixels are scaled); with 0
/// trigger features (the default) the attack is the paper's plain relabelling.
/// </summary>
public sealed class BackdoorPoisoning : IDataPoisoning
{
    public const int DefaultTargetClass = 8;

    public BackdoorPoisoning(int targetClass = DefaultTargetClass, double fraction = 1.0, int triggerFeatures = 0, double? triggerValue = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetClass);
        PoisoningGuard.Fraction(fraction, nameof(fraction));
        ArgumentOutOfRangeException.ThrowIfNegative(triggerFeatures);
        if (triggerValue is { } value && !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(nameof(triggerValue), triggerValue, "backdoor trigger value must be finite");
        TargetClass = targetClass;
        Fraction = fraction;
        TriggerFeatures = triggerFeatures;
        TriggerValue = triggerValue;
    }

    public string Name => "backdoor";

    public int TargetClass { get; }

    public double Fraction { get; }

    public int TriggerFeatures { get; }

    /// <summary>The stamped value; null for the shard's largest feature.</summary>
    public double? TriggerValue { get; }

    public Dataset Poison(Dataset shard, Random random)
    {
        PoisoningGuard.Classification(shard, Name);
        if (TargetClass >= shard.ClassCount)
            throw new ArgumentException($"backdoor target class {TargetClass} is not a class of this dataset (0..{shard.ClassCount - 1})", nameof(shard));
        if (TriggerFeatures > shard.FeatureCount)
            throw new ArgumentException($"backdoor trigger of {TriggerFeatures} features is wider than a sample ({shard.FeatureCount})", nameof(shard));

        var chosen = new int[shard.Count];
        var count = PoisoningGuard.Count(Fraction, shard.Count);
        random.ChooseWithoutReplacement(chosen, count);

        var targets = (float[])shard.Targets.Clone();
        var features = TriggerFeatures > 0 ? (float[])shard.Features.Clone() : shard.Features;
        var width = shard.FeatureCount;
        var stamp = TriggerFeatures > 0 ? (float)(TriggerValue ?? PoisoningGuard.Largest(shard)) : 0f;
        foreach (var i in chosen.AsSpan(0, count))
        {
            targets[i] = TargetClass;
            if (TriggerFeatures > 0)
                features.AsSpan(i * width + width - TriggerFeatures, TriggerFeatures).Fill(stamp);
        }
        return new Dataset(shard.Count, width, features, targets, shard.ClassCount);
    }
}
