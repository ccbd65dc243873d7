using Xunit;

namespace FedActors.Learning.Tests;

public class LinearRegressionModelTests
{
    private static readonly Dataset TwoRows = new(2, 2, [1, 2, 3, -1], [1, 2], classCount: 0);

    [Fact]
    public void Loss_and_gradient_match_a_hand_computation()
    {
        // theta = (0.5, -1): residuals <x, theta> - y are -2.5 and 0.5, so the mean of r^2/2 is (3.125 + 0.125) / 2
        // and the gradient is (-2.5 * (1, 2) + 0.5 * (3, -1)) / 2 = (-0.5, -2.75).
        var model = new LinearRegressionModel(2);
        var gradient = new float[2];
        double loss = model.LossAndGradient([0.5f, -1f], TwoRows, [0, 1], gradient);
        Assert.Equal(1.625, loss, 12);
        Assert.Equal(-0.5f, gradient[0], 6);
        Assert.Equal(-2.75f, gradient[1], 6);
        Assert.Equal(1.625, model.Loss([0.5f, -1f], TwoRows, [0, 1]), 12);
    }

    [Fact]
    public void Only_the_batch_rows_count()
    {
        var model = new LinearRegressionModel(2);
        var gradient = new float[2];
        double loss = model.LossAndGradient([0.5f, -1f], TwoRows, [1], gradient);
        Assert.Equal(0.125, loss, 12);
        Assert.Equal([1.5f, -0.5f], gradient);
    }

    [Fact]
    public void Gradient_matches_central_finite_differences()
    {
        var task = SyntheticData.LinearRegression(6, 40, 0, noiseStd: 0.3, thetaScale: 1, seed: 17);
        var model = new LinearRegressionModel(6);
        float[] theta = GradientCheck.RandomVector(6, 1, seed: 18);
        int[] batch = [0, 3, 5, 7, 11, 19, 23, 31, 39];
        GradientCheck.AssertMatchesFiniteDifferences(model, theta, task.Train, batch, tolerance: 1e-5);
    }

    [Fact]
    public void Initialize_gives_zeros_and_arguments_are_checked()
    {
        var model = new LinearRegressionModel(3);
        Assert.Equal(3, model.ParameterCount);
        float[] parameters = [1, 2, 3];
        model.Initialize(parameters, new DeterministicRandom(0));
        Assert.Equal([0f, 0f, 0f], parameters);

        Assert.Throws<ArgumentException>(() => model.Loss([0f, 0f], TwoRows, [0]));
        var wide = new Dataset(1, 3, [1, 1, 1], [0], 0);
        Assert.Throws<ArgumentException>(() => model.Loss([0f, 0f, 0f], wide, []));
        Assert.Throws<ArgumentException>(() => model.LossAndGradient([0f, 0f, 0f], wide, [0], new float[2]));
    }
}
