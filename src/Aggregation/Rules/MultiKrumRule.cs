namespace FedActors.Aggregation;

/// <summary>
/// Multi-Krum: the mean of the m rows of lowest Krum score s_i = sum of ||x_i - x_k||^2 over the n - f - 2 nearest
/// other rows (Blanchard, El Mhamdi, Guerraoui, Stainer, NeurIPS 2017). m = 1 is Krum.
/// </summary>
/// <remarks>
/// <para>Parameters (config block <c>aggregator.multi-krum</c>):</para>
/// <list type="table">
/// <listheader><term>name</term><description>default: meaning</description></listheader>
/// <item><term>m</term><description>auto = n - f of the rows aggregated that round: how many rows of lowest score
/// are averaged; a number fixes it, 1 &lt;= m &lt;= n.</description></item>
/// </list>
/// <para>Needs n &gt; 2f + 2; MinimumRows = max(2f + 3, m). Scores and ties as in <see cref="KrumRule"/>: equal scores
/// go to the lower row index. The mean is summed in double in row order (<see cref="IMatrixPasses.WeightedSumAsync"/>
/// with weights 1/m), so permuting the rows may change its last bit.</para>
/// <para>Report: weight 1/m for each selected row, 0 for the others.</para>
/// </remarks>
public sealed class MultiKrumRule : IAggregationRule
{
    private GramDistances? _spareDistances;

    /// <param name="f">Byzantine rows to tolerate.</param>
    /// <param name="m">Rows averaged; null for n - f of the rows of each call.</param>
    public MultiKrumRule(int f, int? m = null)
    {
        ToleranceCheck.NonNegative(f, "multi-krum");
        if (m is < 1)
            throw new ArgumentOutOfRangeException(nameof(m), m, "multi-krum: m (rows averaged) must be >= 1");
        F = f;
        M = m;
    }

    /// <summary>Reads <c>m</c> and checks that f of n is tolerable and 1 &lt;= m &lt;= n.</summary>
    public static MultiKrumRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require("multi-krum", f, n, (long)n > 2L * f + 2, "n > 2f + 2");
        var m = parameters.OptionalInt("m", "auto", 1, n);
        parameters.CheckAllRead("multi-krum");
        return new MultiKrumRule(f, m);
    }

    /// <summary>Number of Byzantine rows the rule is told to tolerate.</summary>
    public int F { get; }

    /// <summary>Rows averaged, or null for n - f of the rows aggregated.</summary>
    public int? M { get; }

    public string Name => "multi-krum";

    public int MinimumRows => Math.Max(2 * F + 3, M ?? 0);

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ToleranceCheck.Rows(this, rows);
        var n = rows.Rows;
        var m = M ?? n - F;
        var distances = await (Parked.Take(ref _spareDistances) ?? new GramDistances()).ComputeAsync(rows);
        var ranking = GramDistances.Ranking(KrumRule.Scores(distances, F));
        Parked.Put(ref _spareDistances, distances);
        var weights = new double[n];
        for (var r = 0; r < m; r++)
            weights[ranking[r]] = 1.0 / m;
        await rows.WeightedSumAsync(weights, output);
        weights.CopyTo(report.Weights);
    }
}
