namespace FedActors.Aggregation.Tests;

/// <summary>
/// The scalar twin of the kernels: textbook definitions, one coordinate at a time, in double. Used only to check them.
/// </summary>
internal static class NaiveAggregation
{
    public static double[] Column(float[][] rows, int j) => rows.Select(row => (double)row[j]).ToArray();

    /// <summary>Sorted middle value, or the mean of the two middle values for even n (np.median).</summary>
    public static float[] Median(float[][] rows, int columns)
    {
        var output = new float[columns];
        for (var j = 0; j < columns; j++)
        {
            var values = Column(rows, j);
            Array.Sort(values);
            var n = values.Length;
            output[j] = (float)((values[(n - 1) / 2] + values[n / 2]) / 2);
        }
        return output;
    }

    /// <summary>Sort, drop f at each end, average the rest in double.</summary>
    public static double[] TrimmedMean(float[][] rows, int columns, int f)
    {
        var output = new double[columns];
        for (var j = 0; j < columns; j++)
        {
            var values = Column(rows, j);
            Array.Sort(values);
            var sum = 0.0;
            for (var k = f; k < values.Length - f; k++)
                sum += values[k];
            output[j] = sum / (values.Length - 2 * f);
        }
        return output;
    }

    /// <summary>Row-order double sum divided by n.</summary>
    public static float[] Mean(float[][] rows, int columns)
    {
        var output = new float[columns];
        for (var j = 0; j < columns; j++)
        {
            var sum = 0.0;
            foreach (var row in rows)
                sum += row[j];
            output[j] = (float)(sum / rows.Length);
        }
        return output;
    }

    public static double MaxAbs(float[][] rows, int j) => rows.Max(row => Math.Abs((double)row[j]));
}
