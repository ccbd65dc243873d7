using Xunit;

namespace FedActors.Learning.Tests;

public class MlpModelTests
{
    [Fact]
    public void Parameter_count_is_the_sum_of_each_layers_weights_and_biases()
    {
        // 784 -> 100 -> 10: 784*100 + 100 + 100*10 + 10.
        Assert.Equal(79_510, new MlpModel(784, [100], 10).ParameterCount);
        Assert.Equal(3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2, new MlpModel(3, [5, 4], 2).ParameterCount);
    }

    [Fact]
    public void Without_hidden_layers_it_is_softmax_regression_with_the_same_layout()
    {
        var task = SyntheticData.GaussianClusters(4, 3, 40, 0, separation: 1, seed: 5);
        var mlp = new MlpModel(4, [], 3);
        var softmax = new SoftmaxRegressionModel(4, 3);
        var parameters = GradientCheck.RandomVector(mlp.ParameterCount, 0.7, seed: 6);
        int[] batch = [0, 3, 7, 11, 19, 39];
        var fromMlp = new float[mlp.ParameterCount];
        var fromSoftmax = new float[softmax.ParameterCount];

        var mlpLoss = mlp.LossAndGradient(parameters, task.Train, batch, fromMlp);
        var softmaxLoss = softmax.LossAndGradient(parameters, task.Train, batch, fromSoftmax);

        Assert.Equal(softmaxLoss, mlpLoss, 12);
        Assert.Equal(fromSoftmax, fromMlp);
    }

    [Fact]
    public void Gradient_matches_central_finite_differences_through_two_relu_layers()
    {
        var task = SyntheticData.GaussianClusters(3, 3, 30, 0, separation: 1, seed: 31);
        var model = new MlpModel(3, [5, 4], 3);
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, new DeterministicRandom(32));
        // Biases away from zero so that few pre-activations sit within a step of a ReLU kink.
        var shift = GradientCheck.RandomVector(model.ParameterCount, 0.3, seed: 33);
        for (var k = 0; k < parameters.Length; k++)
            parameters[k] += shift[k];
        int[] batch = [0, 2, 4, 5, 8, 13, 21, 29];
        GradientCheck.AssertMatchesFiniteDifferences(model, parameters, task.Train, batch, tolerance: 2e-3, step: 1e-3);
    }

    [Fact]
    public void A_dead_hidden_unit_gets_no_gradient_in_its_incoming_weights()
    {
        // One input x = 1, two hidden units: unit 0 with weight -1 (pre-activation -1: dead), unit 1 with weight 1.
        var data = new Dataset(1, 1, [1f], [0], classCount: 2);
        var model = new MlpModel(1, [2], 2);
        // Layout: W1 (2x1), b1 (2), W2 (2x2), b2 (2).
        float[] parameters = [-1f, 1f, 0f, 0f, 0.5f, 0.5f, 0.25f, -0.25f, 0f, 0f];
        var gradient = new float[model.ParameterCount];
        model.LossAndGradient(parameters, data, [0], gradient);

        Assert.Equal(0f, gradient[0]);
        Assert.Equal(0f, gradient[2]);
        Assert.NotEqual(0f, gradient[1]);
        // Hidden a = (0, 1): logits (0.5, -0.25), so dW2 rows are (p - e_y)_c * (0, 1).
        var p0 = 1 / (1 + Math.Exp(-0.75));
        Assert.Equal((float)(p0 - 1), gradient[5], 6);
        Assert.Equal((float)(1 - p0), gradient[7], 6);
        Assert.Equal(0f, gradient[4]);
    }

    [Fact]
    public void Training_on_separated_clusters_reaches_high_accuracy()
    {
        var task = SyntheticData.GaussianClusters(10, 4, 2000, 500, separation: 2, seed: 8);
        var model = new MlpModel(10, [16], 4);
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, new DeterministicRandom(9));
        var optimizer = new SgdOptimizer(model.ParameterCount, 0.1, 0, 0);
        var sampler = new MiniBatchSampler(Enumerable.Range(0, 2000).ToArray(), 32);
        var gradient = new float[model.ParameterCount];
        var random = new DeterministicRandom(10);
        for (var step = 0; step < 300; step++)
        {
            model.LossAndGradient(parameters, task.Train, sampler.Next(random), gradient);
            optimizer.Step(parameters, gradient);
        }
        Assert.True(Evaluation.Accuracy(model, parameters, task.Test) > 0.9);
    }
}
