using BenchmarkDotNet.Attributes;
using FedActors.Aggregation;

namespace FedActors.Benchmarks;

/// <summary>
/// One whole-matrix aggregation per operation, single-threaded, for the coordinate-wise rules; trimmed mean with
/// f = n/5, through the kernel entry point (no NaN scan). The floor for all three is reading n*d*4 bytes once.
/// </summary>
[MemoryDiagnoser]
public class CoordinateWiseRulesBenchmark
{
    private GradientMatrix _matrix = null!;
    private float[] _output = null!;
    private CoordinateRange _all;
    private readonly AggregationWorkspace _workspace = new();
    private readonly MeanRule _mean = new();
    private CoordinateWiseMedianRule _median = null!;
    private TrimmedMeanRule _trimmedMean = null!;

    public static IEnumerable<MatrixShape> Shapes =>
    [
        new(100, 100_000),
        new(1000, 10_000),
        new(32, 1_163_978),
    ];

    [ParamsSource(nameof(Shapes))]
    public MatrixShape Shape { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _matrix = BenchmarkMatrices.Gaussian(Shape.Rows, Shape.Columns, seed: 42);
        _output = new float[Shape.Columns];
        _all = new CoordinateRange(0, Shape.Columns);
        var f = Shape.Rows / 5;
        _median = new CoordinateWiseMedianRule(f);
        _trimmedMean = new TrimmedMeanRule(f);
        // Grow the workspace outside the measurement, as the first round of a run would.
        Median();
        TrimmedMean();
        Mean();
    }

    [Benchmark(Baseline = true)]
    public void Mean() => _mean.AggregateRange(_matrix, _all, _output, _workspace);

    [Benchmark]
    public void Median() => _median.AggregateRange(_matrix, _all, _output, _workspace);

    [Benchmark]
    public void TrimmedMean() => _trimmedMean.AggregateRange(_matrix, _all, _output, _workspace);
}
