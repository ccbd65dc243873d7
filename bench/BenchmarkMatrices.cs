using FedActors.Aggregation;

namespace FedActors.Benchmarks;

internal static class BenchmarkMatrices
{
    /// <summary>A seeded matrix of roughly standard-normal values (sum of four uniforms), like gradient noise.</summary>
    public static GradientMatrix Gaussian(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var matrix = new GradientMatrix(rows, columns);
        for (var i = 0; i < rows; i++)
        {
            var row = matrix.Row(i);
            for (var j = 0; j < row.Length; j++)
                row[j] = (float)((random.NextDouble() + random.NextDouble() + random.NextDouble() + random.NextDouble() - 2.0) * 1.7320508);
        }
        return matrix;
    }
}
