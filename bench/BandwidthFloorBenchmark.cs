using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using FedActors.Aggregation;

namespace FedActors.Benchmarks;

/// <summary>
/// The floor of every pass that reads the matrix once: the time to read n * d * 4 bytes, on one core (TensorPrimitives'
/// float sum per row, and a plain Vector512 read loop with four independent sums so that only the loads limit it) and
/// on every core (the same loop, each core reading its own columns of every row, as the aggregator's shards do).
/// The shapes are RulesBenchmark's (FEDACTORS_BENCH_N and FEDACTORS_BENCH_D narrow them); those over 2 GB are skipped.
/// </summary>
public class BandwidthFloorBenchmark
{
    private GradientMatrix _matrix = null!;

    public static IEnumerable<MatrixShape> Shapes =>
        from n in RulesBenchmark.Rows()
        from d in RulesBenchmark.Columns()
        where (long)n * d * sizeof(float) <= 2_000_000_000L
        select new MatrixShape(n, d);

    [ParamsSource(nameof(Shapes))]
    public MatrixShape Shape { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _matrix = new GradientMatrix(Shape.Rows, Shape.Columns);
        for (var i = 0; i < Shape.Rows; i++)
            _matrix.Row(i).Fill(i * 1e-3f);
    }

    [Benchmark(Baseline = true)]
    public float TensorPrimitivesSum()
    {
        var total = 0f;
        for (var i = 0; i < _matrix.Rows; i++)
            total += TensorPrimitives.Sum(_matrix.RowView(i));
        return total;
    }

    [Benchmark]
    public float VectorRead() => Read(0, _matrix.Columns);

    [Benchmark]
    public float VectorReadAllCores()
    {
        var cores = Environment.ProcessorCount;
        var sums = new float[cores];
        // Column ranges a multiple of 64 floats wide, so every core's reads start on a cache line.
        var width = (_matrix.Columns / cores + 63) / 64 * 64;
        Parallel.For(0, cores, core => sums[core] = Read(Math.Min(core * width, _matrix.Columns), Math.Min((core + 1) * width, _matrix.Columns)));
        return sums.Sum();
    }

    private float Read(int first, int end)
    {
        var a = Vector512<float>.Zero;
        var b = Vector512<float>.Zero;
        var c = Vector512<float>.Zero;
        var e = Vector512<float>.Zero;
        var tail = 0f;
        for (var i = 0; i < _matrix.Rows; i++)
        {
            var row = _matrix.RowView(i)[first..end];
            ref var start = ref MemoryMarshal.GetReference(row);
            var length = (nuint)row.Length;
            nuint j = 0;
            for (; j + 64 <= length; j += 64)
            {
                a += Vector512.LoadUnsafe(ref start, j);
                b += Vector512.LoadUnsafe(ref start, j + 16);
                c += Vector512.LoadUnsafe(ref start, j + 32);
                e += Vector512.LoadUnsafe(ref start, j + 48);
            }
            for (; j < length; j++)
                tail += row[(int)j];
        }
        return Vector512.Sum(a + b + c + e) + tail;
    }
}
