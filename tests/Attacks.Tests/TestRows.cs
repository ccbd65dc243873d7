using FedActors.Aggregation;

namespace FedActors.Attacks.Tests;

internal static class TestRows
{
    public static GradientMatrix Matrix(params float[][] rows)
    {
        var matrix = new GradientMatrix(rows.Length, rows[0].Length);
        for (var i = 0; i < rows.Length; i++)
            rows[i].CopyTo(matrix.Row(i));
        return matrix;
    }

    public static float[][] ToArrays(GradientMatrix matrix) =>
        Enumerable.Range(0, matrix.Rows).Select(i => matrix.RowView(i).ToArray()).ToArray();

    /// <summary>Rows N(center, 1) from a seeded generator, for tests that need a realistic honest cloud.</summary>
    public static float[][] Gaussian(int n, int d, int seed, double center)
    {
        var random = new Learning.DeterministicRandom((ulong)seed);
        return Enumerable.Range(0, n)
            .Select(_ => Enumerable.Range(0, d).Select(j => (float)(center * (1 + j % 3) + random.NextGaussian())).ToArray())
            .ToArray();
    }

    public static double Norm(IEnumerable<double> v) => Math.Sqrt(v.Sum(x => x * x));
}
