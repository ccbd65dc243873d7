namespace FedActors.Aggregation;

/// <summary>
/// Norm clipping: each row scaled to norm at most tau, y_i = x_i min(1, tau / ||x_i||), with tau fixed or, by
/// default, the median of the rows' norms that round (static clipping as in ByzFL's Clipping, with an adaptive bound).
/// </summary>
/// <remarks>
/// <para>Parameters (config block <c>aggregator.clip</c>):</para>
/// <list type="table">
/// <listheader><term>name</term><description>default: meaning</description></listheader>
/// <item><term>tau</term><description>auto: the norm bound, &gt; 0; auto = the median of the n row norms of each
/// call (np.median convention), which fewer than n/2 rows cannot push above the largest honest norm.</description></item>
/// </list>
/// <para>A fixed tau must be in the gradients' own units, so no number is a safe default (ByzFL's is c = 2); the
/// median norm is.
/// Norms come from one distance pass to the zero vector. A zero row stays zero. f is only checked
/// (0 &lt;= f &lt;= n). Mixing matrix: diagonal, min(1, tau / ||x_i||).</para>
/// </remarks>
public sealed class NormClipping : IPreAggregator
{
    private float[] _zeros = [];

    /// <param name="tau">The norm bound; null for the median row norm of each call.</param>
    public NormClipping(double? tau = null)
    {
        if (tau is { } value && (!(value > 0) || !double.IsFinite(value)))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "clip: tau (norm bound) must be a finite number > 0");
        Tau = tau;
    }

    /// <summary>Reads <c>tau</c> and checks f against n.</summary>
    public static NormClipping Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require("clip", f, n, tolerates: true, "");
        var tau = parameters.OptionalDouble("tau", "auto", min: 0);
        if (tau == 0)
            throw new ArgumentException("parameter 'tau': the norm bound must be > 0", "tau");
        parameters.CheckAllRead("clip");
        return new NormClipping(tau);
    }

    /// <summary>The norm bound, or null for the median row norm.</summary>
    public double? Tau { get; }

    public string Name => "clip";

    public int OutputRows(int inputRows) => inputRows;

    public async ValueTask<MixedRows> ApplyAsync(IMatrixPasses rows, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Rows;
        // Read once into a local: concurrent callers with another d each get their own array.
        var zeros = _zeros;
        if (zeros.Length != rows.Columns)
        {
            zeros = new float[rows.Columns];
            _zeros = zeros;
        }
        var norms = new double[n];
        await rows.SquaredDistancesAsync(zeros, norms);
        for (var i = 0; i < n; i++)
            norms[i] = Math.Sqrt(norms[i]);
        var tau = Tau ?? Median(norms);

        var mixing = new double[n * n];
        for (var i = 0; i < n; i++)
            mixing[i * n + i] = norms[i] <= tau ? 1 : tau / norms[i];
        return new MixedRows(await rows.MixAsync(mixing, n), mixing);
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var n = sorted.Length;
        return (sorted[(n - 1) / 2] + sorted[n / 2]) / 2;
    }
}
