namespace FedActors.Aggregation.Tests;

/// <summary>Runs a pre-aggregation step on plain rows and reads its output rows back.</summary>
internal static class PreAggregationTestKit
{
    public static (float[][] Rows, double[] Mixing) Apply(IPreAggregator step, float[][] rows, int shards = 1, AggregationContext? context = null)
    {
        var passes = MatrixPasses.Local(TestData.Matrix(rows), shards);
        var mixed = step.ApplyAsync(passes, context ?? AggregationContext.ForRows(rows.Length)).AsTask().GetAwaiter().GetResult();
        var output = new float[mixed.Rows.Rows][];
        for (var r = 0; r < output.Length; r++)
        {
            output[r] = new float[rows[0].Length];
            mixed.Rows.CopyRowAsync(r, output[r]).AsTask().GetAwaiter().GetResult();
        }
        return (output, mixed.Mixing);
    }

    /// <summary>Y = M X in double, row by row.</summary>
    public static double[][] Multiply(double[] mixing, float[][] rows)
    {
        var n = rows.Length;
        var outputRows = mixing.Length / n;
        var result = new double[outputRows][];
        for (var r = 0; r < outputRows; r++)
        {
            result[r] = new double[rows[0].Length];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < rows[0].Length; j++)
                    result[r][j] += mixing[r * n + i] * rows[i][j];
            }
        }
        return result;
    }

    public static void AssertRowsClose(double[][] expected, float[][] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var r = 0; r < expected.Length; r++)
        {
            for (var j = 0; j < expected[r].Length; j++)
                Assert.True(Math.Abs(expected[r][j] - actual[r][j]) <= relative * (1 + Math.Abs(expected[r][j])), $"row {r}, coordinate {j}: {expected[r][j]} vs {actual[r][j]}");
        }
    }
}
