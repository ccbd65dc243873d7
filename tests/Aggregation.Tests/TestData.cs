using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation.Tests;

internal static class TestData
{
    /// <summary>
    /// n rows of d seeded values: Gaussian-like floats of mixed scale, or, with <paramref name="ties"/>, integers in
    /// [-3, 3] so most columns hold many equal values.
    /// </summary>
    public static float[][] Rows(int n, int d, int seed, bool ties)
    {
        var random = new Random(seed);
        var rows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            rows[i] = new float[d];
            for (var j = 0; j < d; j++)
                rows[i][j] = ties
                    ? random.Next(-3, 4)
                    : (float)((random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * Math.Pow(10, random.Next(-2, 3)));
        }
        return rows;
    }

    public static GradientMatrix Matrix(float[][] rows)
    {
        var matrix = new GradientMatrix(rows.Length, rows[0].Length);
        for (var i = 0; i < rows.Length; i++)
            rows[i].CopyTo(matrix.Row(i));
        return matrix;
    }

    public static float[] Aggregate(IAggregationRule rule, GradientMatrix matrix)
    {
        var output = new float[matrix.Columns];
        rule.Aggregate(matrix, output);
        return output;
    }

    public static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    public static float[][] Permuted(float[][] rows, int seed)
    {
        var permuted = (float[][])rows.Clone();
        new Random(seed).Shuffle(permuted);
        return permuted;
    }

    /// <summary>The fewest rows that mean around median sorts by transposing tiles instead of by the network.</summary>
    public const int SelectionRows = SortingNetwork.MaxWires + 1;

    /// <summary>Matrix shapes that cover both sorting paths of meamed, odd and even n, and d off the vector width.</summary>

    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (var n in new[] { 1, 2, 3, 4, 5, 8, 16, 31, 32, 33, 64, 100, 129, 200, 201, SelectionRows - 1, SelectionRows, SelectionRows + 1 })
            foreach (var d in new[] { 1, 7, 33, 131, 1000 })
                data.Add(n, d);
        return data;
    }
}
