using BenchmarkDotNet.Attributes;
using FedActors.Aggregation;

namespace FedActors.Benchmarks;

/// <summary>
/// Every rule of the catalog, aggregating a whole n x d matrix through <see cref="MatrixPasses"/> on the thread pool
/// (2 shards, this machine's cores), f = n/5, the outlier rows shifted as in bench/numpy_reference.py.
/// </summary>
/// <remarks>
/// The full grid (13 rules x n in {50, 200, 1000} x d in {10^4, 10^5, 10^6}) takes hours for the quadratic rules at
/// n = 1000, d = 10^6; pick a slice with --filter and the environment variables FEDACTORS_BENCH_N and FEDACTORS_BENCH_D
/// (comma-separated; FEDACTORS_BENCH_RULES narrows the rules), e.g. the reference shape:
///   FEDACTORS_BENCH_N=200 FEDACTORS_BENCH_D=100000 dotnet run -c Release --project bench -- --filter '*RulesBenchmark*' --job short
/// </remarks>
[MemoryDiagnoser]
public class RulesBenchmark
{
    private GradientMatrix _matrix = null!;
    private float[] _output = null!;
    private MatrixPasses _passes = null!;
    private AggregationReport _report = null!;
    private IAggregationRule _rule = null!;
    private AggregationContext _context = null!;

    public static IEnumerable<string> RuleNames() =>
        Environment.GetEnvironmentVariable("FEDACTORS_BENCH_RULES") is { Length: > 0 } names ? names.Split(',') : AggregationRules.Names;

    public static IEnumerable<int> Rows() => FromEnvironment("FEDACTORS_BENCH_N", [50, 200, 1000]);

    public static IEnumerable<int> Columns() => FromEnvironment("FEDACTORS_BENCH_D", [10_000, 100_000, 1_000_000]);

    [ParamsSource(nameof(RuleNames))]
    public string Rule { get; set; } = "median";

    [ParamsSource(nameof(Rows))]
    public int N { get; set; }

    [ParamsSource(nameof(Columns))]
    public int D { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var f = N / 5;
        _matrix = BenchmarkMatrices.Gaussian(N, D, seed: 1);
        for (var i = 0; i < f; i++)
        {
            var row = _matrix.Row(i);
            for (var j = 0; j < row.Length; j++)
                row[j] += 5f;
        }
        _output = new float[D];
        _passes = MatrixPasses.Local(_matrix, shards: 2);
        _report = new AggregationReport();
        _rule = AggregationRules.Create(Rule, f, N);
        // ByzantineSGD needs the model the gradients were computed at; the other rules ignore it.
        _context = AggregationContext.ForMatrix(N, D);
    }

    [Benchmark]
    public float Aggregate()
    {
        // Stateful rules (ByzantineSGD, centered clipping) refuse to see a round twice: every call is the next round.
        _context = _context with { Round = _context.Round + 1 };
        _report.Reset(N);
        _rule.AggregateAsync(_passes, _output, _context, _report).GetAwaiter().GetResult();
        return _output[0];
    }

    private static IEnumerable<int> FromEnvironment(string name, int[] defaults) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? text.Split(',').Select(int.Parse)
            : defaults;
}
