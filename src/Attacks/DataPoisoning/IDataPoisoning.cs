using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>
/// An attack on a Byzantine worker's training data rather than on its reports: applied once, to the worker's shard,
/// before training starts; the worker then computes honest gradients on poisoned data.
/// </summary>
public interface IDataPoisoning
{
    /// <summary>The config name (<c>fedactors.attack.name</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Returns a new dataset, the poisoned copy of <paramref name="shard"/>; never writes into the input's arrays, which
    /// are shared by reference with other workers and the evaluation. Throws ArgumentException when the attack does not
    /// apply (a classification-only attack on a regression dataset, a target class the dataset does not have).
    /// </summary>
    Dataset Poison(Dataset shard, Random random);
}

public static class DataPoisoningExtensions
{
    /// <summary>
    /// Poisons the rows <paramref name="shard"/> of <paramref name="data"/> (a worker's indices into the shared training
    /// set): the result holds those rows, in that order, poisoned; the worker then samples 0..shard.Length-1 of it.
    /// </summary>
    public static Dataset PoisonShard(this IDataPoisoning attack, Dataset data, ReadOnlySpan<int> shard, Random random)
    {
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(data);
        var width = data.FeatureCount;
        var features = new float[shard.Length * width];
        var targets = new float[shard.Length];
        for (var i = 0; i < shard.Length; i++)
        {
            data.Row(shard[i]).CopyTo(features.AsSpan(i * width, width));
            targets[i] = data.Targets[shard[i]];
        }
        return attack.Poison(new Dataset(shard.Length, width, features, targets, data.ClassCount), random);
    }
}

internal static class PoisoningGuard
{
    public static void Classification(Dataset shard, string attack)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (shard.ClassCount == 0)
            throw new ArgumentException($"{attack} changes class labels and needs a classification dataset; this one is regression (no classes)", nameof(shard));
    }

    /// <summary>round(fraction * count), halves rounded up, so a fraction of 1 is every item and 0 is none.</summary>
    public static int Count(double fraction, int count) => (int)Math.Min(count, Math.Floor(fraction * count + 0.5));

    public static void Fraction(double fraction, string name)
    {
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(name, fraction, "fraction must be in [0, 1]");
    }

    /// <summary>
    /// The shard's smallest feature: what an automatic (null) lower bound stands for, black on images whatever their
    /// scaling, so that a poisoned sample stays in the range the worker's data spans.
    /// </summary>
    public static double Smallest(Dataset shard) => System.Numerics.Tensors.TensorPrimitives.Min(Features(shard));

    /// <summary>The shard's largest feature: what an automatic (null) upper bound or stamp stands for.</summary>
    public static double Largest(Dataset shard) => System.Numerics.Tensors.TensorPrimitives.Max(Features(shard));

    private static ReadOnlySpan<float> Features(Dataset shard) => shard.Features.Length > 0
        ? shard.Features
        : throw new ArgumentException("an automatic bound needs a shard with at least one feature", nameof(shard));

    /// <summary>An automatic (null) bound cannot make the range empty; lifted comparisons are false with a null.</summary>
    public static void Range(double? min, double? max, string minName)
    {
        if (min is double.NaN || max is double.NaN || min > max)
            throw new ArgumentOutOfRangeException(minName, min, $"range [{min}, {max}] is empty: min must not exceed max");
    }
}
