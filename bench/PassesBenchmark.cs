using BenchmarkDotNet.Attributes;
using FedActors.Aggregation;

namespace FedActors.Benchmarks;

/// <summary>
/// One whole-matrix pass per operation on one shard (one core): the Gram matrix (compute-bound: n(n+1)/2 * d fused
/// multiply-adds in double), the memory-bound passes that read the matrix once (squared distances, dots, weighted
/// sum, the fused Weiszfeld sweep, column moments), and a dense n x n mix. Compare the memory-bound ones with
/// <see cref="BandwidthFloorBenchmark"/> at the same shape.
/// </summary>
[MemoryDiagnoser]
public class PassesBenchmark
{
    private MatrixPasses _passes = null!;
    private double[] _gram = null!;
    private float[] _z = null!;
    private double[] _distances = null!;
    private double[] _weights = null!;
    private float[] _output = null!;
    private double[] _sums = null!;
    private double[] _squares = null!;
    private double[] _mixing = null!;

    public static IEnumerable<MatrixShape> Shapes =>
    [
        new(200, 100_000),
        new(50, 1_000_000),
        new(1000, 10_000),
    ];

    [ParamsSource(nameof(Shapes))]
    public MatrixShape Shape { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        var n = Shape.Rows;
        var d = Shape.Columns;
        var matrix = BenchmarkMatrices.Gaussian(n, d, seed: 42);
        _passes = MatrixPasses.Local(matrix, shards: 1);
        _gram = new double[n * n];
        _z = new float[d];
        matrix.RowView(0).CopyTo(_z);
        _distances = new double[n];
        _weights = Enumerable.Repeat(1.0 / n, n).ToArray();
        _output = new float[d];
        _sums = new double[d];
        _squares = new double[d];
        var random = new Random(7);
        _mixing = Enumerable.Range(0, n * n).Select(_ => random.NextDouble() / n).ToArray();
        // Grow the workspace and the node pools outside the measurement, as the first round of a run would.
        Gram();
        SquaredDistances();
        WeightedSum();
        FusedSweep();
        Mix();
    }

    [Benchmark]
    public void Gram() => _passes.GramAsync(_gram).AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public void SquaredDistances() => _passes.SquaredDistancesAsync(_z, _distances).AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public void Dots() => _passes.DotsAsync(_z, _distances).AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public void WeightedSum() => _passes.WeightedSumAsync(_weights, _output).AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public void FusedSweep() => _passes.WeightedSumAndDistancesAsync(_weights, _output, _distances).AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public void ColumnMoments() => _passes.ColumnMomentsAsync(_sums, _squares).AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public void Mix() => _passes.MixAsync(_mixing, Shape.Rows).AsTask().GetAwaiter().GetResult();
}
