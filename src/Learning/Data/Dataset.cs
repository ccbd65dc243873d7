namespace FedActors.Learning;

/// <summary>
/// An in-memory table of samples: features row-major (Features[i * FeatureCount + j]) and one target per row.
/// A target is the regression value, or, when ClassCount &gt; 0, the class id 0..ClassCount-1 stored as float.
/// The arrays are shared, not copied: treat them as read-only once the dataset is built.
/// </summary>
public sealed class Dataset
{
    public Dataset(int count, int featureCount, float[] features, float[] targets, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfNegative(classCount);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (features.Length != (long)count * featureCount)
        {
            throw new ArgumentException(
                $"Expected {(long)count * featureCount} features ({count} x {featureCount}), got {features.Length}.",
                nameof(features));
        }
        if (targets.Length != count)
        {
            throw new ArgumentException($"Expected {count} targets, got {targets.Length}.", nameof(targets));
        }
        if (classCount > 0)
        {
            for (int i = 0; i < count; i++)
            {
                float label = targets[i];
                if (label < 0 || label >= classCount || label != MathF.Floor(label))
                {
                    throw new ArgumentException(
                        $"Target {i} is {label}, not a class id in 0..{classCount - 1}.", nameof(targets));
                }
            }
        }

        Count = count;
        FeatureCount = featureCount;
        Features = features;
        Targets = targets;
        ClassCount = classCount;
    }

    public int Count { get; }

    public int FeatureCount { get; }

    /// <summary>0 for regression.</summary>
    public int ClassCount { get; }

    public float[] Features { get; }

    public float[] Targets { get; }

    public ReadOnlySpan<float> Row(int i)
    {
        if ((uint)i >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(i), i, $"Row index must be in 0..{Count - 1}.");
        }
        return new ReadOnlySpan<float>(Features, i * FeatureCount, FeatureCount);
    }

    /// <summary>The class id of row i; throws <see cref="InvalidOperationException"/> for a regression dataset.</summary>
    public int Label(int i)
    {
        if (ClassCount == 0)
        {
            throw new InvalidOperationException("A regression dataset has no class labels.");
        }
        return (int)Targets[i];
    }

    /// <summary>Every row's class id, in row order (for partitioners); throws for a regression dataset.</summary>
    public int[] Labels()
    {
        var labels = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            labels[i] = Label(i);
        }
        return labels;
    }
}
