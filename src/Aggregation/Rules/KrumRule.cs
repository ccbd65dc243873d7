namespace FedActors.Aggregation;

/// <summary>
/// Krum: output the row x_i of lowest score s_i = sum of ||x_i - x_k||^2 over its n - f - 2 nearest other rows
/// (Blanchard, El Mhamdi, Guerraoui, Stainer, "Machine learning with adversaries: Byzantine tolerant gradient descent", NeurIPS 2017).
/// </summary>
/// <remarks>
/// <para>Parameters (config block <c>aggregator.krum</c>): none besides f. Needs n &gt; 2f + 2, MinimumRows = 2f + 3.</para>
/// <para>Distances come from one Gram pass (see <see cref="GramDistances"/> for their precision); each score is
/// summed nearest first, so it depends only on the distances, and equal scores go to the lower row index. The
/// output is the selected row, copied bit for bit.</para>
/// <para>Report: weight 1 for the selected row, 0 for every other; Objective = the selected row's score.</para>
/// </remarks>
public sealed class KrumRule : IAggregationRule
{
    private GramDistances? _spareDistances;

    public KrumRule(int f)
    {
        ToleranceCheck.NonNegative(f, "krum");
        F = f;
    }

    /// <summary>Reads the rule's parameters (none) and checks that f of n is tolerable.</summary>
    public static KrumRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require("krum", f, n, (long)n > 2L * f + 2, "n > 2f + 2");
        parameters.CheckAllRead("krum");
        return new KrumRule(f);
    }

    /// <summary>Number of Byzantine rows the rule is told to tolerate.</summary>
    public int F { get; }

    public string Name => "krum";

    public int MinimumRows => 2 * F + 3;

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ToleranceCheck.Rows(this, rows);
        var distances = await (Parked.Take(ref _spareDistances) ?? new GramDistances()).ComputeAsync(rows);
        var scores = Scores(distances, F);
        Parked.Put(ref _spareDistances, distances);
        var selected = GramDistances.Ranking(scores)[0];
        await rows.CopyRowAsync(selected, output);

        var weights = report.Weights;
        weights.Clear();
        weights[selected] = 1;
        report.Objective = scores[selected];
    }

    /// <summary>Krum's score of every row: the sum of its n - f - 2 smallest distances to the other rows.</summary>
    internal static double[] Scores(GramDistances distances, int f)
    {
        var n = distances.Rows;
        var scores = new double[n];
        for (var i = 0; i < n; i++)
            scores[i] = distances.SumOfNearest(i, n - f - 2, []);
        return scores;
    }
}
