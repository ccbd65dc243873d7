using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace FedActors.Learning.Tests;

public class SyntheticDataTests
{
    [Fact]
    public void Linear_regression_has_the_requested_shapes()
    {
        var task = SyntheticData.LinearRegression(5, 100, 30, noiseStd: 1, thetaScale: 1, seed: 1);
        Assert.Equal(5, task.ThetaStar.Length);
        Assert.Equal(100, task.Train.Count);
        Assert.Equal(30, task.Test.Count);
        Assert.Equal(5, task.Train.FeatureCount);
        Assert.Equal(5, task.Test.FeatureCount);
        Assert.Equal(0, task.Train.ClassCount);
        Assert.Equal(500, task.Train.Features.Length);
        Assert.Equal(100, task.Train.Targets.Length);
    }

    [Fact]
    public void Linear_regression_is_a_function_of_the_seed()
    {
        var a = SyntheticData.LinearRegression(4, 50, 20, 0.5, 2, seed: 9);
        var b = SyntheticData.LinearRegression(4, 50, 20, 0.5, 2, seed: 9);
        var c = SyntheticData.LinearRegression(4, 50, 20, 0.5, 2, seed: 10);
        Assert.Equal(a.ThetaStar, b.ThetaStar);
        Assert.Equal(a.Train.Features, b.Train.Features);
        Assert.Equal(a.Train.Targets, b.Train.Targets);
        Assert.Equal(a.Test.Features, b.Test.Features);
        Assert.Equal(a.Test.Targets, b.Test.Targets);
        Assert.NotEqual(a.ThetaStar, c.ThetaStar);
        Assert.NotEqual(a.Train.Features, c.Train.Features);
        Assert.NotEqual(a.Train.Features[..a.Test.Features.Length], a.Test.Features);
    }

    [Fact]
    public void Changing_the_train_size_leaves_theta_star_and_the_test_set_unchanged()
    {
        var small = SyntheticData.LinearRegression(3, 10, 25, 1, 1, seed: 4);
        var large = SyntheticData.LinearRegression(3, 400, 25, 1, 1, seed: 4);
        Assert.Equal(small.ThetaStar, large.ThetaStar);
        Assert.Equal(small.Test.Features, large.Test.Features);
        Assert.Equal(small.Test.Targets, large.Test.Targets);
        Assert.Equal(small.Train.Features, large.Train.Features[..small.Train.Features.Length]);
    }

    [Fact]
    public void Least_squares_on_the_train_set_recovers_theta_star()
    {
        var task = SyntheticData.LinearRegression(5, 5000, 0, noiseStd: 0.1, thetaScale: 1, seed: 3);
        Dataset train = task.Train;
        var x = Matrix<double>.Build.Dense(train.Count, train.FeatureCount,
            (i, j) => train.Features[i * train.FeatureCount + j]);
        var y = Vector<double>.Build.Dense(train.Count, i => train.Targets[i]);
        Vector<double> fit = x.QR().Solve(y);

        // The least-squares error is about noiseStd * sqrt(d / N) = 0.003.
        double error = (fit - Vector<double>.Build.Dense(task.ThetaStar.Select(t => (double)t).ToArray())).L2Norm();
        Assert.True(error < 0.01, $"||fit - theta*|| = {error}");
    }

    [Fact]
    public void Features_theta_star_and_noise_have_the_stated_distributions()
    {
        const int d = 4;
        var task = SyntheticData.LinearRegression(d, 20_000, 0, noiseStd: 0.5, thetaScale: 1, seed: 5);
        float[] features = task.Train.Features;
        double mean = features.Average(f => (double)f);
        double variance = features.Average(f => (double)f * f) - mean * mean;
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);

        var residuals = new double[task.Train.Count];
        for (int i = 0; i < residuals.Length; i++)
        {
            double prediction = 0;
            for (int j = 0; j < d; j++)
            {
                prediction += (double)task.ThetaStar[j] * features[i * d + j];
            }
            residuals[i] = task.Train.Targets[i] - prediction;
        }
        double noiseStd = Math.Sqrt(residuals.Average(r => r * r));
        Assert.InRange(noiseStd, 0.49, 0.51);

        var wide = SyntheticData.LinearRegression(4000, 0, 0, 1, thetaScale: 3, seed: 6);
        double thetaStd = Math.Sqrt(wide.ThetaStar.Average(t => (double)t * t));
        Assert.InRange(thetaStd, 2.85, 3.15);
    }

    [Fact]
    public void The_given_theta_star_overload_uses_that_theta_and_the_same_samples()
    {
        var drawn = SyntheticData.LinearRegression(3, 20, 5, 1, 1, seed: 8);
        var given = SyntheticData.LinearRegression(drawn.ThetaStar, 20, 5, 1, seed: 8);
        Assert.Equal(drawn.ThetaStar, given.ThetaStar);
        Assert.Equal(drawn.Train.Features, given.Train.Features);
        Assert.Equal(drawn.Train.Targets, given.Train.Targets);

        var ones = SyntheticData.LinearRegression([1f, 1f, 1f], 20, 5, noiseStd: 0, seed: 8);
        for (int i = 0; i < 20; i++)
        {
            ReadOnlySpan<float> row = ones.Train.Row(i);
            Assert.Equal((double)row[0] + row[1] + row[2], ones.Train.Targets[i], tolerance: 1e-6);
        }
    }

    [Fact]
    public void Gaussian_clusters_have_the_requested_shapes_and_balanced_shuffled_labels()
    {
        var task = SyntheticData.GaussianClusters(dimension: 6, classes: 4, trainSamples: 402, testSamples: 100,
            separation: 3, seed: 2);
        Assert.Equal(402, task.Train.Count);
        Assert.Equal(100, task.Test.Count);
        Assert.Equal(6, task.Train.FeatureCount);
        Assert.Equal(4, task.Train.ClassCount);
        Assert.Equal(4, task.Test.ClassCount);

        var counts = new int[4];
        bool roundRobinOrder = true;
        for (int i = 0; i < task.Train.Count; i++)
        {
            counts[task.Train.Label(i)]++;
            roundRobinOrder &= task.Train.Label(i) == i % 4;
        }
        Assert.Equal([101, 101, 100, 100], counts);
        Assert.False(roundRobinOrder);
    }

    [Fact]
    public void Gaussian_clusters_are_a_function_of_the_seed()
    {
        var a = SyntheticData.GaussianClusters(3, 3, 60, 30, 2, seed: 1);
        var b = SyntheticData.GaussianClusters(3, 3, 60, 30, 2, seed: 1);
        var c = SyntheticData.GaussianClusters(3, 3, 60, 30, 2, seed: 2);
        Assert.Equal(a.Train.Features, b.Train.Features);
        Assert.Equal(a.Train.Targets, b.Train.Targets);
        Assert.Equal(a.Test.Features, b.Test.Features);
        Assert.NotEqual(a.Train.Features, c.Train.Features);
    }

    [Fact]
    public void Gaussian_clusters_have_unit_spread_around_class_means_that_classify_the_test_set()
    {
        const int d = 5, classes = 3;
        var task = SyntheticData.GaussianClusters(d, classes, 3000, 600, separation: 4, seed: 12);
        var means = new double[classes, d];
        var counts = new int[classes];
        for (int i = 0; i < task.Train.Count; i++)
        {
            int y = task.Train.Label(i);
            counts[y]++;
            for (int j = 0; j < d; j++)
            {
                means[y, j] += task.Train.Row(i)[j];
            }
        }
        for (int k = 0; k < classes; k++)
        {
            for (int j = 0; j < d; j++)
            {
                means[k, j] /= counts[k];
            }
        }

        double withinSquares = 0;
        for (int i = 0; i < task.Train.Count; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double deviation = task.Train.Row(i)[j] - means[task.Train.Label(i), j];
                withinSquares += deviation * deviation;
            }
        }
        Assert.InRange(withinSquares / (task.Train.Count * d), 0.95, 1.05);

        int correct = 0;
        for (int i = 0; i < task.Test.Count; i++)
        {
            int nearest = Enumerable.Range(0, classes).MinBy(k =>
                Enumerable.Range(0, d).Sum(j => Math.Pow(task.Test.Row(i)[j] - means[k, j], 2)));
            correct += nearest == task.Test.Label(i) ? 1 : 0;
        }
        Assert.True(correct > 0.9 * task.Test.Count, $"nearest-mean accuracy {correct}/{task.Test.Count}");
    }
}
