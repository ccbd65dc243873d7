namespace FedActors.Learning;

/// <summary>A classification task split into train and test sets with the same classes and features.</summary>
public sealed record ClassificationData(Dataset Train, Dataset Test)
{
    /// <summary>
    /// Both splits with every feature mapped to (x - m) / s, where m and s are the mean and the sample standard
    /// deviation of all training features pooled (one pair for the whole image, as torchvision's Normalize with the
    /// training set's scalar statistics: what the block-coordinate geometric median paper's code feeds its LeNet).
    /// The test split uses the training statistics so that nothing about it leaks into training. The sums run in
    /// double in index order, so the result does not depend on threads.
    /// </summary>
    public ClassificationData Standardized()
    {
        var (mean, deviation) = PooledMoments(Train.Features);
        if (!(deviation > 0))
        {
            throw new InvalidOperationException(
                $"The training features are all equal ({mean}), so they have no spread to standardise by.");
        }
        return new ClassificationData(Scaled(Train, mean, deviation), Scaled(Test, mean, deviation));
    }

    private static (double Mean, double Deviation) PooledMoments(float[] features)
    {
        if (features.Length < 2)
        {
            throw new InvalidOperationException(
                $"Standardising needs at least two training features to measure their spread; there are {features.Length}.");
        }
        double sum = 0;
        foreach (var x in features)
        {
            sum += x;
        }
        double mean = sum / features.Length;
        // Two passes rather than sum of squares minus squared sum: pixels in [0, 1] with mean 0.29 would lose digits.
        double squares = 0;
        foreach (var x in features)
        {
            double centred = x - mean;
            squares += centred * centred;
        }
        return (mean, Math.Sqrt(squares / (features.Length - 1)));
    }

    private static Dataset Scaled(Dataset data, double mean, double deviation)
    {
        var values = new float[data.Features.Length];
        for (int j = 0; j < values.Length; j++)
        {
            values[j] = (float)((data.Features[j] - mean) / deviation);
        }
        return new Dataset(data.Count, data.FeatureCount, values, data.Targets, data.ClassCount);
    }
}
