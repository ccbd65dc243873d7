namespace FedActors.Benchmarks;

/// <summary>An n x d benchmark input; ToString is what BenchmarkDotNet prints in the Shape column.</summary>
public sealed record MatrixShape(int Rows, int Columns)
{
    public override string ToString() => $"n={Rows}, d={Columns}";
}
