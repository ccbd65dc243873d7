namespace FedActors.Aggregation;

/// <summary>
/// Bucketing: shuffle the rows, cut them into ceil(n/s) buckets of s consecutive rows (the last may hold fewer), and
/// replace each bucket by its mean (Karimireddy, He, Jaggi, "Byzantine-robust learning on heterogeneous datasets via bucketing", ICLR 2022).
/// </summary>
/// <remarks>
/// <para>Parameters (config block <c>aggregator.bucketing</c>):</para>
/// <list type="table">
/// <listheader><term>name</term><description>default: meaning</description></listheader>
/// <item><term>s</term><description>2: rows per bucket, 1 &lt;= s &lt;= n (s = 1 only shuffles).</description></item>
/// </list>
/// <para>The shuffle is a Fisher-Yates pass driven by <see cref="AggregationContext.Random"/> (for t = n-1 down to
/// 1, swap position t with position Random.Next(t + 1)), so a seeded run shuffles the same way every time. f is
/// only checked (0 &lt;= f &lt;= n): the rule after bucketing sees ceil(n/s) rows, of which up to f may hold a
/// Byzantine row, and must be configured for that.</para>
/// <para>Mixing matrix: 1/|bucket| at (b, k) for the rows k of bucket b. When s &gt; n (fewer rows than configured
/// arrived) the single bucket holds all rows.</para>
/// </remarks>
public sealed class Bucketing : IPreAggregator
{
    public Bucketing(int s = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(s, 1);
        S = s;
    }

    /// <summary>Reads <c>s</c> and checks it and f against n.</summary>
    public static Bucketing Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require("bucketing", f, n, tolerates: true, "");
        var s = parameters.Int("s", 2, 1, n);
        parameters.CheckAllRead("bucketing");
        return new Bucketing(s);
    }

    /// <summary>Rows per bucket.</summary>
    public int S { get; }

    public string Name => "bucketing";

    public int OutputRows(int inputRows) => (inputRows + S - 1) / S;

    public async ValueTask<MixedRows> ApplyAsync(IMatrixPasses rows, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(context);
        var n = rows.Rows;
        var order = new int[n];
        for (var i = 0; i < n; i++)
            order[i] = i;
        for (var t = n - 1; t > 0; t--)
        {
            var u = context.Random.Next(t + 1);
            (order[t], order[u]) = (order[u], order[t]);
        }

        var buckets = (n + S - 1) / S;
        var mixing = new double[buckets * n];
        for (var b = 0; b < buckets; b++)
        {
            var first = b * S;
            var size = Math.Min(S, n - first);
            for (var t = first; t < first + size; t++)
                mixing[b * n + order[t]] = 1.0 / size;
        }
        return new MixedRows(await rows.MixAsync(mixing, buckets), mixing);
    }
}
