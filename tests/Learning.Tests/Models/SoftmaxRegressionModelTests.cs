using Xunit;

namespace FedActors.Learning.Tests;

public class SoftmaxRegressionModelTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    public void Loss_at_zero_parameters_is_ln_of_the_class_count(int classes)
    {
        var task = SyntheticData.GaussianClusters(4, classes, 50, 0, separation: 2, seed: 1);
        var model = new SoftmaxRegressionModel(4, classes);
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, new DeterministicRandom(0));
        Assert.All(parameters, p => Assert.Equal(0f, p));
        Assert.Equal(Math.Log(classes), Evaluation.MeanLoss(model, parameters, task.Train), 12);
    }

    [Fact]
    public void Gradient_layout_is_W_row_major_by_class_then_b()
    {
        // One row x = (1, 2) of class 1 at zero parameters: p = (1/2, 1/2), p - e_y = (1/2, -1/2),
        // so dW = (p - e_y) x^T = [[0.5, 1], [-0.5, -1]] and db = (0.5, -0.5).
        var data = new Dataset(1, 2, [1, 2], [1], classCount: 2);
        var model = new SoftmaxRegressionModel(2, 2);
        Assert.Equal(6, model.ParameterCount);
        var gradient = new float[6];
        double loss = model.LossAndGradient(new float[6], data, [0], gradient);
        Assert.Equal(Math.Log(2), loss, 12);
        Assert.Equal([0.5f, 1f, -0.5f, -1f, 0.5f, -0.5f], gradient);
    }

    [Fact]
    public void Gradient_matches_central_finite_differences_with_a_non_square_W()
    {
        const int features = 4, classes = 3;
        var task = SyntheticData.GaussianClusters(features, classes, 30, 0, separation: 1, seed: 21);
        var model = new SoftmaxRegressionModel(features, classes);
        float[] parameters = GradientCheck.RandomVector(model.ParameterCount, 0.5, seed: 22);
        int[] batch = [0, 2, 4, 5, 8, 13, 21, 29];
        GradientCheck.AssertMatchesFiniteDifferences(model, parameters, task.Train, batch, tolerance: 1e-3);
    }

    [Fact]
    public void Huge_logits_give_finite_loss_and_gradient()
    {
        // Bias (1000, 0) and label 1: loss = log(e^1000 + 1) - 0 = 1000 (to double precision), p = (1, 0).
        var data = new Dataset(1, 1, [0], [1], classCount: 2);
        var model = new SoftmaxRegressionModel(1, 2);
        var gradient = new float[4];
        double loss = model.LossAndGradient([0f, 0f, 1000f, 0f], data, [0], gradient);
        Assert.Equal(1000.0, loss, 9);
        Assert.Equal([0f, 0f, 1f, -1f], gradient);
    }

    [Fact]
    public void Predict_takes_the_largest_logit_and_breaks_ties_towards_the_lower_class()
    {
        var model = new SoftmaxRegressionModel(1, 3);
        var data = new Dataset(2, 1, [1, -1], [0, 0], classCount: 3);
        // W = (1, 2, 2), b = (0, 0, 0): x = 1 gives logits (1, 2, 2) -> class 1 (tie with 2);
        // x = -1 gives (-1, -2, -2) -> class 0.
        float[] parameters = [1, 2, 2, 0, 0, 0];
        Assert.Equal(1, model.Predict(parameters, data, 0));
        Assert.Equal(0, model.Predict(parameters, data, 1));
    }

    [Fact]
    public void A_dataset_with_another_class_count_is_rejected()
    {
        var model = new SoftmaxRegressionModel(1, 3);
        var data = new Dataset(1, 1, [1], [0], classCount: 2);
        Assert.Throws<ArgumentException>(() => model.Loss(new float[6], data, [0]));
    }
}
