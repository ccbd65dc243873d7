namespace FedActors.Aggregation.Tests;

/// <summary>
/// Plain double-precision twins of the rules in src/Aggregation/Rules, written from the formulas without the passes,
/// and the data the tests feed them.
/// </summary>
internal static class NaiveRobust
{
    public static double[][] ToDouble(float[][] rows) => rows.Select(row => row.Select(x => (double)x).ToArray()).ToArray();

    public static double Distance(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var j = 0; j < a.Length; j++)
            sum += (a[j] - b[j]) * (a[j] - b[j]);
        return Math.Sqrt(sum);
    }

    public static double Distance(float[] a, double[] b) => Distance(a.Select(x => (double)x).ToArray(), b);

    public static double Norm(double[] a) => Math.Sqrt(a.Sum(x => x * x));

    public static double[] Mean(double[][] rows)
    {
        var mean = new double[rows[0].Length];
        foreach (var row in rows)
            for (var j = 0; j < mean.Length; j++)
                mean[j] += row[j] / rows.Length;
        return mean;
    }

    public static double Objective(double[][] rows, double[] z) => rows.Sum(row => Distance(row, z));

    /// <summary>Textbook Weiszfeld from the mean, run far past any tolerance the rule uses (no smoothing beyond 1e-300).</summary>
    public static double[] GeometricMedian(double[][] rows, int iterations = 20000)
    {
        var z = Mean(rows);
        var d = z.Length;
        for (var t = 0; t < iterations; t++)
        {
            var next = new double[d];
            var total = 0.0;
            foreach (var row in rows)
            {
                var w = 1 / Math.Max(1e-300, Distance(row, z));
                total += w;
                for (var j = 0; j < d; j++)
                    next[j] += w * row[j];
            }
            for (var j = 0; j < d; j++)
                next[j] /= total;
            var moved = Distance(next, z);
            z = next;
            if (moved <= 1e-15 * (1 + Norm(z)))
                break;
        }
        return z;
    }

    /// <summary>Rows of N(center, sigma^2 I_d), seeded (Box-Muller).</summary>
    public static float[][] Gaussian(int n, int d, int seed, double sigma = 1, double[]? center = null)
    {
        var random = new Random(seed);
        var rows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            rows[i] = new float[d];
            for (var j = 0; j < d; j++)
                rows[i][j] = (float)((center?[j] ?? 0) + sigma * Normal(random));
        }
        return rows;
    }

    public static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public static double[] Center(int d, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, d).Select(_ => 3 * Normal(random)).ToArray();
    }

    /// <summary>The rows with the first <paramref name="f"/> replaced by center + distance * (unit vector along ones).</summary>
    public static float[][] WithFarOutliers(float[][] rows, int f, double[] center, double distance)
    {
        var moved = rows.Select(row => (float[])row.Clone()).ToArray();
        var step = distance / Math.Sqrt(center.Length);
        for (var i = 0; i < f; i++)
            for (var j = 0; j < center.Length; j++)
                moved[i][j] = (float)(center[j] + step);
        return moved;
    }

    public static float[] Run(IAggregationRule rule, float[][] rows, out AggregationReport report, int shards = 1, AggregationContext? context = null)
    {
        var output = new float[rows[0].Length];
        report = rule.Aggregate(TestData.Matrix(rows), output, context, shards);
        return output;
    }

    public static RuleParameters Parameters(params (string Key, string Value)[] values) =>
        new(values.ToDictionary(pair => pair.Key, pair => pair.Value));
}
