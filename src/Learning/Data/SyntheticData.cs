namespace FedActors.Learning;

/// <summary>
/// Seeded synthetic tasks. Each part (parameters, train set, test set) has its own stream derived from the seed,
/// so changing one size leaves the other parts unchanged.
/// </summary>
public static class SyntheticData
{
    private const ulong ParameterStream = 0;
    private const ulong TrainStream = 1;
    private const ulong TestStream = 2;

    /// <summary>
    /// Linear regression as in Chen, Su and Xu (GMoM, section on linear regression): x ~ N(0, I_d),
    /// theta* ~ N(0, thetaScale^2 I_d), y = &lt;theta*, x&gt; + N(0, noiseStd^2).
    /// </summary>
    public static LinearRegressionData LinearRegression(int dimension, int trainSamples, int testSamples,
        double noiseStd, double thetaScale, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(thetaScale);

        var thetaRandom = DeterministicRandom.ForStream(seed, ParameterStream);
        var thetaStar = new float[dimension];
        for (int j = 0; j < dimension; j++)
        {
            thetaStar[j] = (float)(thetaScale * thetaRandom.NextGaussian());
        }
        return LinearRegression(thetaStar, trainSamples, testSamples, noiseStd, seed);
    }

    /// <summary>
    /// Linear regression around a given theta* (the paper's own check uses theta* = ones): x ~ N(0, I_d),
    /// y = &lt;theta*, x&gt; + N(0, noiseStd^2). Train and test sets equal those of the overload that draws theta*
    /// for the same seed and the same theta*.
    /// </summary>
    public static LinearRegressionData LinearRegression(ReadOnlySpan<float> thetaStar, int trainSamples, int testSamples,
        double noiseStd, ulong seed)
    {
        if (thetaStar.IsEmpty)
        {
            throw new ArgumentException("theta* needs at least one coordinate.", nameof(thetaStar));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(trainSamples);
        ArgumentOutOfRangeException.ThrowIfNegative(testSamples);
        ArgumentOutOfRangeException.ThrowIfNegative(noiseStd);

        float[] theta = thetaStar.ToArray();
        Dataset train = RegressionSamples(theta, trainSamples, noiseStd, DeterministicRandom.ForStream(seed, TrainStream));
        Dataset test = RegressionSamples(theta, testSamples, noiseStd, DeterministicRandom.ForStream(seed, TestStream));
        return new LinearRegressionData(train, test, theta);
    }

    /// <summary>
    /// Gaussian clusters: a centre c_k ~ N(0, separation^2 I_d) per class, x ~ N(c_y, I_d); labels balanced
    /// (round-robin, then shuffled).
    /// </summary>
    public static ClassificationData GaussianClusters(int dimension, int classes, int trainSamples, int testSamples,
        double separation, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(trainSamples);
        ArgumentOutOfRangeException.ThrowIfNegative(testSamples);
        ArgumentOutOfRangeException.ThrowIfNegative(separation);

        var centreRandom = DeterministicRandom.ForStream(seed, ParameterStream);
        var centres = new double[classes * dimension];
        for (int k = 0; k < centres.Length; k++)
        {
            centres[k] = separation * centreRandom.NextGaussian();
        }

        Dataset train = ClusterSamples(centres, dimension, classes, trainSamples,
            DeterministicRandom.ForStream(seed, TrainStream));
        Dataset test = ClusterSamples(centres, dimension, classes, testSamples,
            DeterministicRandom.ForStream(seed, TestStream));
        return new ClassificationData(train, test);
    }

    private static Dataset RegressionSamples(float[] thetaStar, int count, double noiseStd, DeterministicRandom random)
    {
        int d = thetaStar.Length;
        var features = new float[count * d];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            // y is computed from the stored (float-rounded) x so the data are exactly consistent with theta*.
            double y = 0;
            for (int j = 0; j < d; j++)
            {
                float x = (float)random.NextGaussian();
                features[i * d + j] = x;
                y += (double)thetaStar[j] * x;
            }
            targets[i] = (float)(y + noiseStd * random.NextGaussian());
        }
        return new Dataset(count, d, features, targets, classCount: 0);
    }

    private static Dataset ClusterSamples(double[] centres, int d, int classes, int count, DeterministicRandom random)
    {
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % classes;
        }
        Permutation.ShuffleInPlace(labels, random);

        var features = new float[count * d];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            int y = labels[i];
            targets[i] = y;
            for (int j = 0; j < d; j++)
            {
                features[i * d + j] = (float)(centres[y * d + j] + random.NextGaussian());
            }
        }
        return new Dataset(count, d, features, targets, classes);
    }
}
