namespace FedActors.Aggregation;

/// <summary>
/// Geometric median, output = argmin_z sum_i ||z - x_i|| (unsquared Euclidean), by Weiszfeld's iteration with smoothing
/// and the Vardi-Zhang step (the aggregation step of Chen, Su, Xu 2017 with k = n; robust to any f &lt; n/2).
/// </summary>
/// <remarks>
/// <para>Parameters (<see cref="Create"/>):</para>
/// <list type="table">
/// <item><term>tolerance = 1e-6</term><description>stop when the objective's relative change falls below it</description></item>
/// <item><term>max-iterations = 1000</term><description>cap on Weiszfeld steps (see <see cref="WeiszfeldOptions.DefaultMaxIterations"/>)</description></item>
/// <item><term>smoothing = 1e-8</term><description>nu, relative to the mean distance from the start to the rows</description></item>
/// </list>
/// <para>f is only validated: the breakdown point is 1/2, so n &gt; 2f. The report holds the steps taken, the final
/// objective sum_i ||z - x_i||, whether the tolerance was met, and as weights the normalised Weiszfeld coefficients of
/// the last step (output = sum_i weight_i x_i up to float rounding). One sweep over the matrix per step.</para>
/// <para>Equivariant under permutations of the rows (up to the order of double sums), translations and scalings.</para>
/// </remarks>
public sealed class GeometricMedianRule : IAggregationRule
{
    public const string RuleName = "geometric-median";

    public GeometricMedianRule(int f, WeiszfeldOptions? options = null)
    {
        ToleranceCheck.NonNegative(f, RuleName);
        Options = options ?? new WeiszfeldOptions();
        Options.Validate();
        F = f;
        MinimumRows = 2 * f + 1;
    }

    /// <summary>Creates the rule for f of n workers from its config parameters (see the table above).</summary>
    public static GeometricMedianRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require(RuleName, f, n, n > 2 * f, "n > 2f");
        var options = WeiszfeldOptions.Read(parameters);
        parameters.CheckAllRead(RuleName);
        return new GeometricMedianRule(f, options);
    }

    /// <summary>Number of Byzantine rows the rule is told to tolerate (validation only).</summary>
    public int F { get; }

    public WeiszfeldOptions Options { get; }

    public string Name => RuleName;

    public int MinimumRows { get; }

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ToleranceCheck.Rows(this, rows, output);
        ArgumentNullException.ThrowIfNull(report);
        var weights = new double[rows.Rows];
        var result = await Weiszfeld.RunAsync(rows, output, weights, Options);
        weights.CopyTo(report.Weights);
        report.Iterations = result.Iterations;
        report.Objective = result.Objective;
        report.Converged = result.Converged;
    }
}
