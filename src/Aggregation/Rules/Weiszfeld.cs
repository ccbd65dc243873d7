namespace FedActors.Aggregation;

/// <summary>What a Weiszfeld run reports.</summary>
internal readonly record struct WeiszfeldResult(int Iterations, double Objective, bool Converged);

/// <summary>
/// Weiszfeld's iteration for the geometric median argmin_z sum_i ||z - x_i|| of the rows of an
/// <see cref="IMatrixPasses"/>, with smoothing and the Vardi-Zhang step; shared by the geometric median, GMoM (on group
/// means) and BGMD (on a block of columns).
/// </summary>
/// <remarks>
/// <para>Start: the coordinate-wise median (a robust start: with fewer than half the rows corrupted it already lies
/// near the honest rows, so outliers get small weights from the first step).</para>
/// <para>Step: z' = sum_i a_i x_i with a_i = w_i / sum_k w_k, w_i = 1 / max(nu, ||z - x_i||), done by one
/// <see cref="IMatrixPasses.WeightedSumAndDistancesAsync"/> sweep that also returns the distances to z' for the next
/// step and the objective.</para>
/// <para>Vardi-Zhang (Proc. Natl. Acad. Sci. 2000): when z coincides exactly with data rows (the set K, |K| = eta;
/// the coordinate-wise median often is a row, and plain Weiszfeld never leaves a data point), let T = the weighted mean
/// of the other rows with weights W = sum_{i not in K} w_i and r = W ||T - z||. If r &lt;= eta, z is the median
/// (the subgradient condition) and the run stops. Otherwise z' = (1 - eta/r) T + (eta/r) z. Because z is a row, this
/// is still a weighted sum of rows; it costs two sweeps (T, written over z, with the distance ||T - z|| read off the
/// row in K, then z'; z is read back from its row when it is the answer), and happens only when z is exactly on a
/// row.</para>
/// <para>Stop: |F_prev - F| &lt;= tolerance * F, F = sum_i ||z - x_i||, or F = 0 (all rows equal). On hitting the
/// iteration cap the current iterate is kept.</para>
/// </remarks>
internal static class Weiszfeld
{
    private static readonly CoordinateWiseMedianRule StartRule = new(0);

    /// <summary>
    /// Writes the geometric median of the rows into <paramref name="point"/> (length d) and into
    /// <paramref name="weights"/> (length n) the normalised coefficients a_i of the last step, so point = sum_i a_i x_i
    /// up to float rounding (uniform when every row is equal and no step was taken).
    /// </summary>
    public static async ValueTask<WeiszfeldResult> RunAsync(IMatrixPasses rows, float[] point, double[] weights, WeiszfeldOptions options)
    {
        var n = rows.Rows;
        var squared = new double[n];
        await rows.CoordinateWiseAsync(StartRule, point);
        await rows.SquaredDistancesAsync(point, squared);
        var objective = Objective(squared);
        if (objective == 0)
        {
            Array.Fill(weights, 1.0 / n, 0, n);
            return new WeiszfeldResult(0, 0, true);
        }

        var nu = options.Smoothing * objective / n;
        for (var iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            var coincident = 0;
            var onRow = -1;
            for (var i = 0; i < n; i++)
            {
                if (squared[i] == 0)
                {
                    coincident++;
                    onRow = i;
                }
            }

            if (coincident == 0)
            {
                StepWeights(squared, nu, weights, skipCoincident: false);
                await rows.WeightedSumAndDistancesAsync(weights, point, squared);
            }
            else
            {
                // Some rows lie off z: otherwise the objective would be 0 and the loop would have stopped.
                var total = StepWeights(squared, nu, weights, skipCoincident: true);
                // T goes into point itself: z is row onRow, so it can be read back from the rows when it is needed
                // again, and the step needs no d-vector of its own.
                var toOthers = new double[n];
                await rows.WeightedSumAndDistancesAsync(weights, point, toOthers);
                var pull = total * Math.Sqrt(toOthers[onRow]);
                if (pull <= coincident)
                {
                    // z (a data point) is the geometric median: its own rows' mass outweighs the pull of the rest.
                    await rows.CopyRowAsync(onRow, point);
                    for (var i = 0; i < n; i++)
                        weights[i] = squared[i] == 0 ? 1.0 / coincident : 0;
                    return new WeiszfeldResult(iteration, objective, true);
                }
                var stay = coincident / pull;
                for (var i = 0; i < n; i++)
                    weights[i] = squared[i] == 0 ? stay / coincident : (1 - stay) * weights[i];
                await rows.WeightedSumAndDistancesAsync(weights, point, squared);
            }

            var previous = objective;
            objective = Objective(squared);
            if (objective == 0 || Math.Abs(previous - objective) <= options.Tolerance * objective)
                return new WeiszfeldResult(iteration, objective, true);
        }
        return new WeiszfeldResult(options.MaxIterations, objective, false);
    }

    /// <summary>a_i = w_i / sum w with w_i = 1/max(nu, ||z - x_i||) (0 for coincident rows when skipped); returns sum w.</summary>
    private static double StepWeights(double[] squared, double nu, double[] weights, bool skipCoincident)
    {
        var total = 0.0;
        for (var i = 0; i < squared.Length; i++)
        {
            var weight = skipCoincident && squared[i] == 0 ? 0 : 1 / Math.Max(nu, Math.Sqrt(squared[i]));
            weights[i] = weight;
            total += weight;
        }
        for (var i = 0; i < squared.Length; i++)
            weights[i] /= total;
        return total;
    }

    private static double Objective(double[] squared)
    {
        var sum = 0.0;
        foreach (var value in squared)
            sum += Math.Sqrt(value);
        return sum;
    }
}
