namespace FedActors.Aggregation;

/// <summary>
/// The report weights of an <see cref="IKeptBandRule"/>: weight_i = c_i / sum_k c_k, where c_i counts the
/// coordinates j at which low_j &lt;= x_ij &lt;= high_j, the band of values the rule kept at j.
/// </summary>
/// <remarks>
/// A row counts as kept whenever its value lies in the band, so when several rows hold a value equal to a bound of
/// the band (ties) all of them count, even if the rule used fewer copies of that value: a coordinate may then count
/// more rows than the rule keeps. This depends only on the values, so it is deterministic and exactly invariant to
/// permuting the rows. The counts are integers summed exactly (below 2^53), so the weights have the same bits for
/// any number of shards.
/// </remarks>
internal static class KeptBandWeights
{
    public static async ValueTask AggregateAsync(IMatrixPasses rows, IKeptBandRule rule, float[] output, AggregationReport report)
    {
        var counts = new double[rows.Rows];
        await rows.CoordinateWiseAsync(rule, output, counts);
        Normalise(counts, report.Weights);
    }

    private static void Normalise(double[] counts, Span<double> weights)
    {
        var total = 0.0;
        foreach (var count in counts)
            total += count;
        // No coordinates, nothing kept: the weights stay NaN (not measured).
        if (total == 0)
            return;
        for (var i = 0; i < counts.Length; i++)
            weights[i] = counts[i] / total;
    }
}
