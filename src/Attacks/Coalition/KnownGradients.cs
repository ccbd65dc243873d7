using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// Statistics of the k known honest rows, in double, each computed once on first use. Sums run over rows in row
/// (worker-id) order, and the Gram matrix comes from the aggregation passes (fixed block tree), so every value is
/// reproducible bit for bit.
/// </summary>
internal sealed class KnownGradients
{
    private readonly GradientMatrix _rows;
    private double[]? _mean;
    private double[]? _std;
    private double[]? _centredGram;

    public KnownGradients(GradientMatrix rows)
    {
        _rows = rows;
        K = rows.Rows;
        D = rows.Columns;
    }

    public int K { get; }

    public int D { get; }

    public ReadOnlySpan<float> Row(int i) => _rows.RowView(i);

    /// <summary>mu_j = (1/k) sum_i g_ij.</summary>
    public double[] Mean => _mean ??= ComputeMean();

    /// <summary>sigma_j = sqrt(sum_i (g_ij - mu_j)^2 / (k - 1)), the unbiased estimate (torch.std's); 0 when k = 1.</summary>
    public double[] Std => _std ??= ComputeStd();

    /// <summary>(C C^T)_{il} = &lt;g_i - mu, g_l - mu&gt;, k x k row-major.</summary>
    public double[] CentredGram => _centredGram ??= ComputeCentredGram();

    /// <summary>||g_i - g_l||^2 from the centred Gram matrix (the centring cancels).</summary>
    public double SquaredDistance(int i, int l)
    {
        var g = CentredGram;
        return Math.Max(0, g[i * K + i] + g[l * K + l] - 2 * g[i * K + l]);
    }

    /// <summary>||g_i - mu||^2.</summary>
    public double SquaredDistanceToMean(int i) => Math.Max(0, CentredGram[i * K + i]);

    /// <summary>&lt;g_i - mu, v&gt; for every row.</summary>
    public double[] CentredDots(ReadOnlySpan<double> v)
    {
        var mean = Mean;
        var dots = new double[K];
        for (var i = 0; i < K; i++)
        {
            var row = Row(i);
            var sum = 0.0;
            for (var j = 0; j < D; j++)
                sum += (row[j] - mean[j]) * v[j];
            dots[i] = sum;
        }
        return dots;
    }

    private double[] ComputeMean()
    {
        var mean = new double[D];
        for (var i = 0; i < K; i++)
        {
            var row = Row(i);
            for (var j = 0; j < D; j++)
                mean[j] += row[j];
        }
        for (var j = 0; j < D; j++)
            mean[j] /= K;
        return mean;
    }

    private double[] ComputeStd()
    {
        var mean = Mean;
        var std = new double[D];
        if (K < 2)
            return std;
        for (var i = 0; i < K; i++)
        {
            var row = Row(i);
            for (var j = 0; j < D; j++)
            {
                var deviation = row[j] - mean[j];
                std[j] += deviation * deviation;
            }
        }
        for (var j = 0; j < D; j++)
            std[j] = Math.Sqrt(std[j] / (K - 1));
        return std;
    }

    private double[] ComputeCentredGram()
    {
        var gram = new double[K * K];
        MatrixPasses.Local(_rows).GramAsync(gram).AsTask().GetAwaiter().GetResult();
        // C C^T = G - (1/k)(G 1 1^T + 1 1^T G) + (1/k^2)(1^T G 1) 1 1^T: row sums r_i, total t.
        var rowSums = new double[K];
        var total = 0.0;
        for (var i = 0; i < K; i++)
        {
            for (var l = 0; l < K; l++)
                rowSums[i] += gram[i * K + l];
            total += rowSums[i];
        }
        var centred = new double[K * K];
        for (var i = 0; i < K; i++)
        {
            for (var l = 0; l < K; l++)
                centred[i * K + l] = gram[i * K + l] - (rowSums[i] + rowSums[l]) / K + total / ((double)K * K);
        }
        return centred;
    }
}

internal static class ForgedRows
{
    /// <summary>Writes the same vector (rounded to float) into every member row.</summary>
    public static void Fill(GradientMatrix output, ReadOnlySpan<double> forged)
    {
        if (output.Rows == 0)
            return;
        var first = output.Row(0);
        for (var j = 0; j < first.Length; j++)
            first[j] = (float)forged[j];
        for (var i = 1; i < output.Rows; i++)
            first.CopyTo(output.Row(i));
    }

    /// <summary>mu + t * p per coordinate.</summary>
    public static double[] Along(ReadOnlySpan<double> mean, double t, ReadOnlySpan<double> direction)
    {
        var result = new double[mean.Length];
        for (var j = 0; j < result.Length; j++)
            result[j] = mean[j] + t * direction[j];
        return result;
    }

    public static double Norm(ReadOnlySpan<double> v)
    {
        var sum = 0.0;
        foreach (var x in v)
            sum += x * x;
        return Math.Sqrt(sum);
    }
}
