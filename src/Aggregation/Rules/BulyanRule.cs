namespace FedActors.Aggregation;

/// <summary>
/// Bulyan: select theta = n - 2f rows by Krum applied repeatedly to the rows not yet selected, then per coordinate
/// average the beta = theta - 2f selected values closest to their median (El Mhamdi, Guerraoui, Rouault, "The hidden
/// vulnerability of distributed learning in Byzantium", ICML 2018).
/// </summary>
/// <remarks>
/// <para>Parameters (config block <c>aggregator.bulyan</c>): none besides f. Needs n &gt;= 4f + 3 (beta &gt;= 3),
/// MinimumRows = 4f + 3.</para>
/// <para>Selection. Each step scores the rows still unselected, n' of them, by Krum with the same f on that set
/// (sum of squared distances to the max(0, n' - f - 2) nearest other unselected rows, nearest first), and moves
/// the lowest score (ties: lower row index) to the selected set. All steps read the distances of one Gram pass
/// (<see cref="GramDistances"/>). In the last steps n' - f - 2 may drop to f - 1 or below, where rows that
/// coincide score 0: the paper's guarantee comes from the coordinate-wise step, which at most f selected values per
/// coordinate cannot move out of the honest range.</para>
/// <para>Coordinate-wise step. The selected rows (in row order) are gathered by <see cref="IMatrixPasses.MixAsync"/>
/// with a 0/1 matrix (exact copies), and <see cref="MeanAroundMedianRule"/> keeping beta of the theta values runs
/// on them: ties as there (a value as far below the median as another is above is kept first), exactly invariant
/// to permuting the rows.</para>
/// <para>Report: weight 1/theta for each selected row, 0 for the 2f rows never selected (they cannot influence the
/// output); which of the selected values each coordinate kept is not measured.</para>
/// </remarks>
public sealed class BulyanRule : IAggregationRule
{
    private GramDistances? _spareDistances;
    private double[]? _spareMixing;

    private readonly MeanAroundMedianRule _aroundMedian;

    public BulyanRule(int f)
    {
        ToleranceCheck.NonNegative(f, "bulyan");
        F = f;
        // On theta selected rows, drop the 2f values farthest from the median: keep beta = theta - 2f >= 3.
        _aroundMedian = new MeanAroundMedianRule(2 * f, minimumRows: 2 * f + 3, "bulyan");
    }

    /// <summary>Reads the rule's parameters (none) and checks that f of n is tolerable.</summary>
    public static BulyanRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require("bulyan", f, n, n >= 4L * f + 3, "n >= 4f + 3");
        parameters.CheckAllRead("bulyan");
        return new BulyanRule(f);
    }

    /// <summary>Number of Byzantine rows the rule is told to tolerate.</summary>
    public int F { get; }

    public string Name => "bulyan";

    public int MinimumRows => 4 * F + 3;

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ToleranceCheck.Rows(this, rows);
        var n = rows.Rows;
        var distances = await (Parked.Take(ref _spareDistances) ?? new GramDistances()).ComputeAsync(rows);
        var selected = Select(distances, F);
        Parked.Put(ref _spareDistances, distances);
        var theta = n - 2 * F;

        var mixing = Parked.TakeCleared(ref _spareMixing, theta * n);
        var next = 0;
        for (var i = 0; i < n; i++)
        {
            if (selected[i])
                mixing[next++ * n + i] = 1;
        }
        var chosen = await rows.MixAsync(mixing, theta);
        Parked.Put(ref _spareMixing, mixing);
        await chosen.CoordinateWiseAsync(_aroundMedian, output);

        var weights = report.Weights;
        for (var i = 0; i < n; i++)
            weights[i] = selected[i] ? 1.0 / theta : 0;
    }

    /// <summary>The n - 2f rows Bulyan's repeated Krum selects (true at their indices).</summary>
    internal static bool[] Select(GramDistances distances, int f)
    {
        var n = distances.Rows;
        var selected = new bool[n];
        for (var step = 0; step < n - 2 * f; step++)
        {
            var remaining = n - step;
            var neighbours = Math.Max(0, remaining - f - 2);
            var best = -1;
            var bestScore = double.PositiveInfinity;
            for (var i = 0; i < n; i++)
            {
                if (selected[i])
                    continue;
                var score = distances.SumOfNearest(i, neighbours, selected);
                if (best < 0 || score < bestScore)
                {
                    best = i;
                    bestScore = score;
                }
            }
            selected[best] = true;
        }
        return selected;
    }
}
