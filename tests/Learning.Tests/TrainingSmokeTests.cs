using Xunit;

namespace FedActors.Learning.Tests;

/// <summary>The pieces together: data, sampler, model and optimizer learn, and do so reproducibly.</summary>
public class TrainingSmokeTests
{
    [Fact]
    public void Full_batch_gradient_descent_on_clean_linear_regression_recovers_theta_star()
    {
        var task = SyntheticData.LinearRegression(5, 2000, 0, noiseStd: 0.1, thetaScale: 1, seed: 31);
        float[] theta = Train(task.Train, new LinearRegressionModel(5), batchSize: null, steps: 300,
            learningRate: 0.5, seed: 32);
        Assert.True(Distance(theta, task.ThetaStar) < 0.05, $"||theta - theta*|| = {Distance(theta, task.ThetaStar)}");
    }

    [Fact]
    public void Mini_batch_SGD_with_momentum_learns_a_separable_classification_task()
    {
        var task = SyntheticData.GaussianClusters(8, 4, 2000, 500, separation: 2, seed: 41);
        var model = new SoftmaxRegressionModel(8, 4);
        float[] parameters = Train(task.Train, model, batchSize: 32, steps: 300, learningRate: 0.1, seed: 42,
            momentum: 0.9);
        Assert.True(Evaluation.Accuracy(model, parameters, task.Test) > 0.9);
        Assert.True(Evaluation.MeanLoss(model, parameters, task.Test) < 0.5 * Math.Log(4));
    }

    [Fact]
    public void Workers_sharing_one_model_on_many_threads_reproduce_the_sequential_result_bit_for_bit()
    {
        var task = SyntheticData.GaussianClusters(6, 3, 1200, 0, separation: 1.5, seed: 51);
        var model = new SoftmaxRegressionModel(6, 3);
        int[][] shards = Partitioner.Iid(task.Train.Count, workers: 8, seed: 52);

        float[] RunWorker(int worker) =>
            Train(task.Train, model, batchSize: 16, steps: 50, learningRate: 0.2, seed: 53, shard: shards[worker],
                worker: (ulong)worker);

        float[][] sequential = Enumerable.Range(0, shards.Length).Select(RunWorker).ToArray();
        var parallel = new float[shards.Length][];
        Parallel.For(0, shards.Length, w => parallel[w] = RunWorker(w));

        Assert.Equal(sequential, parallel);
        Assert.NotEqual(sequential[0], sequential[1]);
    }

    private static float[] Train(Dataset data, IModel model, int? batchSize, int steps, double learningRate, ulong seed,
        double momentum = 0, int[]? shard = null, ulong worker = 0)
    {
        shard ??= Enumerable.Range(0, data.Count).ToArray();
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, DeterministicRandom.ForStream(seed, worker));
        var sampler = new MiniBatchSampler(shard, batchSize);
        var optimizer = new SgdOptimizer(model.ParameterCount, learningRate, momentum, weightDecay: 0);
        var gradient = new float[model.ParameterCount];
        for (int step = 0; step < steps; step++)
        {
            ReadOnlySpan<int> batch = sampler.Next(DeterministicRandom.ForStream(seed, worker, (ulong)step));
            model.LossAndGradient(parameters, data, batch, gradient);
            optimizer.Step(parameters, gradient);
        }
        return parameters;
    }

    private static double Distance(float[] a, float[] b) =>
        Math.Sqrt(a.Zip(b, (x, y) => ((double)x - y) * ((double)x - y)).Sum());
}
