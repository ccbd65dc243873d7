using BenchmarkDotNet.Attributes;
using FedActors.Learning;

namespace FedActors.Benchmarks;

/// <summary>
/// One worker's gradient of a 64-image batch of Fashion-MNIST-sized inputs (random pixels in [0, 1]): the cost a round
/// pays once per worker, single-threaded, for each model the simulator trains on images.
/// </summary>
[MemoryDiagnoser]
public class ModelGradientBenchmark
{
    private const int Batch = 64;
    private IModel _model = null!;
    private Dataset _data = null!;
    private float[] _parameters = null!;
    private float[] _gradient = null!;
    private readonly int[] _batch = Enumerable.Range(0, Batch).ToArray();

    [Params("softmax", "mlp-128", "lenet-paper")]
    public string Model { get; set; } = "softmax";

    [GlobalSetup]
    public void Setup()
    {
        _model = Model switch
        {
            "softmax" => new SoftmaxRegressionModel(784, 10),
            "mlp-128" => new MlpModel(784, [128], 10),
            _ => LeNetModel.Paper(),
        };
        var random = new DeterministicRandom(1);
        var pixels = new float[Batch * 784];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = random.NextSingle();
        var labels = Enumerable.Range(0, Batch).Select(i => (float)(i % 10)).ToArray();
        _data = new Dataset(Batch, 784, pixels, labels, classCount: 10);
        _parameters = new float[_model.ParameterCount];
        _model.Initialize(_parameters, new DeterministicRandom(2));
        _gradient = new float[_model.ParameterCount];
    }

    [Benchmark]
    public double Gradient() => _model.LossAndGradient(_parameters, _data, _batch, _gradient);
}
