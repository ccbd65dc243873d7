namespace FedActors.Aggregation.Tests;

/// <summary>
/// Textbook versions of Krum, Multi-Krum, Bulyan, mean around median and centered clipping, written plainly in double
/// on float[][] rows (no passes, no Gram matrix), to check the rules against; plus the data the rule tests share.
/// </summary>
internal static class NaiveBaselines
{
    public static double SquaredDistance(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var j = 0; j < a.Length; j++)
        {
            var difference = (double)a[j] - b[j];
            sum += difference * difference;
        }
        return sum;
    }

    /// <summary>Krum scores among the rows whose index is in <paramref name="active"/>.</summary>
    public static Dictionary<int, double> KrumScores(float[][] rows, int f, IReadOnlyList<int> active)
    {
        var scores = new Dictionary<int, double>();
        var neighbours = Math.Max(0, active.Count - f - 2);
        foreach (var i in active)
        {
            var nearest = active.Where(k => k != i).Select(k => SquaredDistance(rows[i], rows[k])).OrderBy(x => x).Take(neighbours);
            scores[i] = nearest.Sum();
        }
        return scores;
    }

    /// <summary>Active rows by ascending score, then index.</summary>
    public static int[] KrumRanking(float[][] rows, int f, IReadOnlyList<int> active) =>
        KrumScores(rows, f, active).OrderBy(pair => pair.Value).ThenBy(pair => pair.Key).Select(pair => pair.Key).ToArray();

    public static int Krum(float[][] rows, int f) => KrumRanking(rows, f, Enumerable.Range(0, rows.Length).ToArray())[0];

    public static int[] MultiKrumSelection(float[][] rows, int f, int m) =>
        KrumRanking(rows, f, Enumerable.Range(0, rows.Length).ToArray()).Take(m).ToArray();

    public static double[] MeanOf(float[][] rows, IEnumerable<int> indices)
    {
        var chosen = indices.ToArray();
        var mean = new double[rows[0].Length];
        foreach (var i in chosen)
        {
            for (var j = 0; j < mean.Length; j++)
                mean[j] += rows[i][j];
        }
        for (var j = 0; j < mean.Length; j++)
            mean[j] /= chosen.Length;
        return mean;
    }

    public static int[] BulyanSelection(float[][] rows, int f)
    {
        var remaining = Enumerable.Range(0, rows.Length).ToList();
        var selected = new List<int>();
        while (selected.Count < rows.Length - 2 * f)
        {
            var best = KrumRanking(rows, f, remaining)[0];
            selected.Add(best);
            remaining.Remove(best);
        }
        return selected.Order().ToArray();
    }

    public static float[] Bulyan(float[][] rows, int f)
    {
        var chosen = BulyanSelection(rows, f).Select(i => rows[i]).ToArray();
        return MeanAroundMedian(chosen, 2 * f);
    }

    /// <summary>Per column: sort the values by distance to np.median, then by value; average the first n - f.</summary>
    public static float[] MeanAroundMedian(float[][] rows, int f)
    {
        var n = rows.Length;
        var output = new float[rows[0].Length];
        for (var j = 0; j < output.Length; j++)
        {
            var values = rows.Select(row => row[j]).ToArray();
            var sorted = values.OrderBy(v => v).ToArray();
            var median = ((double)sorted[(n - 1) / 2] + sorted[n / 2]) / 2;
            var kept = values.OrderBy(v => Math.Abs(v - median)).ThenBy(v => v).Take(n - f).OrderBy(v => v);
            var sum = 0.0;
            foreach (var v in kept)
                sum += v;
            output[j] = (float)(sum / (n - f));
        }
        return output;
    }

    /// <summary>v_{l+1} = v_l + (1/n) sum_i (x_i - v_l) min(1, tau / ||x_i - v_l||), all in double.</summary>
    public static double[] CenteredClipping(float[][] rows, double[] start, double tau, int iterations)
    {
        var n = rows.Length;
        var d = start.Length;
        var v = (double[])start.Clone();
        for (var l = 0; l < iterations; l++)
        {
            var step = new double[d];
            foreach (var row in rows)
            {
                var norm = Math.Sqrt(Enumerable.Range(0, d).Sum(j => (row[j] - v[j]) * (row[j] - v[j])));
                var scale = norm == 0 ? 1 : Math.Min(1, tau / norm);
                for (var j = 0; j < d; j++)
                    step[j] += (row[j] - v[j]) * scale / n;
            }
            for (var j = 0; j < d; j++)
                v[j] += step[j];
        }
        return v;
    }

    public static double Distance(float[] a, double[] b) => Math.Sqrt(a.Select((x, j) => (x - b[j]) * (x - b[j])).Sum());

    public static double Distance(float[] a, float[] b) => Math.Sqrt(SquaredDistance(a, b));

    /// <summary>
    /// n rows around a common centre (so that Krum-style rules face a real cluster): centre + noise of scale
    /// <paramref name="spread"/>, float values.
    /// </summary>
    public static float[][] Cluster(int n, int d, int seed, double spread = 1.0, double centreScale = 3.0)
    {
        var random = new Random(seed);
        var centre = Enumerable.Range(0, d).Select(_ => centreScale * Gaussian(random)).ToArray();
        return Enumerable.Range(0, n)
            .Select(_ => centre.Select(c => (float)(c + spread * Gaussian(random))).ToArray())
            .ToArray();
    }

    public static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }

    /// <summary>
    /// The honest rows with f of them (at seeded positions) replaced by the same point 1e6 away from the honest mean;
    /// returns the attacked rows and which indices are Byzantine.
    /// </summary>
    public static (float[][] Rows, bool[] Byzantine) WithOutliers(float[][] honest, int f, int seed)
    {
        var n = honest.Length;
        var ids = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(ids);
        var byzantine = new bool[n];
        foreach (var i in ids.Take(f))
            byzantine[i] = true;
        var d = honest[0].Length;
        var far = honest[0].Select(x => x + (float)(1e6 / Math.Sqrt(d))).ToArray();
        var rows = honest.Select((row, i) => byzantine[i] ? (float[])far.Clone() : row).ToArray();
        return (rows, byzantine);
    }

    public static (float[] Output, AggregationReport Report) Run(IAggregationRule rule, float[][] rows, int shards = 1, AggregationContext? context = null)
    {
        var output = new float[rows[0].Length];
        var report = rule.Aggregate(TestData.Matrix(rows), output, context, shards);
        return (output, report);
    }

    /// <summary>
    /// Shifting every row by the same vector keeps the weights and shifts the output: checked on 15 clustered rows with
    /// a fresh rule from <paramref name="create"/> per run (rules may carry state).
    /// </summary>
    public static void AssertTranslationEquivariant(Func<IAggregationRule> create)
    {
        var rows = Cluster(15, 64, seed: 6);
        var shift = Enumerable.Range(0, 64).Select(j => 50f + j).ToArray();
        var shifted = rows.Select(row => row.Select((x, j) => x + shift[j]).ToArray()).ToArray();
        var (output, report) = Run(create(), rows);
        var (moved, reportShifted) = Run(create(), shifted);
        Assert.Equal(report.Weights.ToArray(), reportShifted.Weights.ToArray());
        for (var j = 0; j < 64; j++)
            Assert.Equal(output[j] + shift[j], moved[j], 1e-5 * (100 + Math.Abs(moved[j])));
    }

    public static float[][] WithNaN(float[][] rows, int i, int j)
    {
        var copy = rows.Select(row => (float[])row.Clone()).ToArray();
        copy[i][j] = float.NaN;
        return copy;
    }

    public static RuleParameters Parameters(params (string Key, string Value)[] values) =>
        new(values.ToDictionary(pair => pair.Key, pair => pair.Value));
}
