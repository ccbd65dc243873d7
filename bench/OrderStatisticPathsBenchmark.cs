using BenchmarkDotNet.Attributes;
using FedActors.Aggregation;
using FedActors.Aggregation.Kernels;

namespace FedActors.Benchmarks;

/// <summary>
/// The two order-statistic paths on the same input, to place the row count where the rules switch from the sorting
/// network to transpose + select (OrderStatistics.NetworkMaxRows). d is scaled so n*d stays near 4M floats; the
/// ranks are the median's or the f = n/5 trimmed mean's.
/// </summary>
public class OrderStatisticPathsBenchmark
{
    private const int Floats = 4 << 20;
    private GradientMatrix _matrix = null!;
    private float[] _output = null!;
    private readonly AggregationWorkspace _workspace = new();
    private int _first;
    private int _last;

    [Params(64, 256, 1024)]
    public int Rows { get; set; }

    [Params("median", "trimmed-mean")]
    public string Ranks { get; set; } = "median";

    [GlobalSetup]
    public void Setup()
    {
        var columns = Floats / Rows;
        _matrix = BenchmarkMatrices.Gaussian(Rows, columns, seed: 7);
        _output = new float[columns];
        (_first, _last) = Ranks == "median" ? ((Rows - 1) / 2, Rows / 2) : (Rows / 5, Rows - Rows / 5 - 1);
        Network();
        Selection();
    }

    private CoordinateRange All => new(0, _matrix.Columns);

    [Benchmark(Baseline = true)]
    public void Network() =>
        OrderStatistics.AverageOfRanksByNetwork(_matrix, All, _first, _last, _output, _workspace);

    [Benchmark]
    public void Selection() =>
        OrderStatistics.AverageOfRanksBySelection(_matrix, All, _first, _last, _output, _workspace);
}
