namespace FedActors.Aggregation;

/// <summary>
/// Pre-aggregation steps followed by a rule (config: <c>aggregator { pre = [nnm], rule = median }</c>). The rule's row
/// weights are traced back through each step's mixing matrix, so the report always speaks of the input rows.
/// </summary>
public sealed class AggregationPipeline
{
    private readonly AggregationReport _ruleReport = new();

    public AggregationPipeline(IReadOnlyList<IPreAggregator> pre, IAggregationRule rule)
    {
        ArgumentNullException.ThrowIfNull(pre);
        ArgumentNullException.ThrowIfNull(rule);
        Pre = pre;
        Rule = rule;
    }

    public IReadOnlyList<IPreAggregator> Pre { get; }

    public IAggregationRule Rule { get; }

    /// <summary>Whether the rule still has enough rows once the steps have mixed <paramref name="inputRows"/> rows.</summary>
    public bool CanAggregate(int inputRows) =>
        Pre.Aggregate(inputRows, (rows, step) => step.OutputRows(rows)) >= Rule.MinimumRows;

    /// <summary>The fewest input rows the pipeline can aggregate (at most <paramref name="maximumRows"/>), or null if none.</summary>
    public int? MinimumInputRows(int maximumRows)
    {
        for (var rows = 1; rows <= maximumRows; rows++)
        {
            if (CanAggregate(rows))
                return rows;
        }
        return null;
    }

    /// <summary>"nnm+bucketing+median" style name for logs and reports.</summary>
    public string Name => string.Join('+', Pre.Select(step => step.Name).Append(Rule.Name));

    /// <summary>Aggregates <paramref name="rows"/>; <paramref name="report"/> is reset here and describes the input rows.</summary>
    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        report.Reset(rows.Rows);
        if (Pre.Count == 0)
        {
            await Rule.AggregateAsync(rows, output, context, report);
            return;
        }

        // Mixing matrices compose: input -> step 1 -> ... -> rule input; keep the product to map weights back.
        var current = rows;
        double[]? composed = null;
        foreach (var step in Pre)
        {
            var mixed = await step.ApplyAsync(current, context);
            composed = composed is null ? mixed.Mixing : Multiply(mixed.Mixing, mixed.Rows.Rows, composed, current.Rows, rows.Rows);
            current = mixed.Rows;
        }
        _ruleReport.Reset(current.Rows);
        await Rule.AggregateAsync(current, output, context, _ruleReport);

        report.Iterations = _ruleReport.Iterations;
        report.Objective = _ruleReport.Objective;
        report.Converged = _ruleReport.Converged;
        MapWeightsBack(_ruleReport.Weights, composed!, current.Rows, report.Weights);
    }

    /// <summary>(a: r x m) times (b: m x n) -> r x n, row-major.</summary>
    private static double[] Multiply(double[] a, int r, double[] b, int m, int n)
    {
        var product = new double[r * n];
        for (var i = 0; i < r; i++)
        {
            for (var k = 0; k < m; k++)
            {
                var aik = a[i * m + k];
                if (aik == 0)
                    continue;
                for (var j = 0; j < n; j++)
                    product[i * n + j] += aik * b[k * n + j];
            }
        }
        return product;
    }

    /// <summary>
    /// Input row i's weight = sum_r w_r * M[r, i] (normalised to sum to 1): how much of the output came from row i.
    /// NaN rule weights (not measured) stay NaN.
    /// </summary>
    private static void MapWeightsBack(ReadOnlySpan<double> ruleWeights, double[] mixing, int mixedRows, Span<double> inputWeights)
    {
        var n = inputWeights.Length;
        inputWeights.Clear();
        for (var r = 0; r < mixedRows; r++)
        {
            var weight = ruleWeights[r];
            for (var i = 0; i < n; i++)
                inputWeights[i] += weight * Math.Abs(mixing[r * n + i]);
        }
        var total = 0.0;
        foreach (var weight in inputWeights)
            total += weight;
        if (total > 0 && double.IsFinite(total))
        {
            for (var i = 0; i < n; i++)
                inputWeights[i] /= total;
        }
    }
}

/// <summary>Synchronous use of rules from any program: a notebook, a benchmark, the <c>aggregate</c> command.</summary>
public static class AggregationRuleExtensions
{
    /// <summary>
    /// Aggregates all rows of <paramref name="matrix"/> in this process over <paramref name="shards"/> coordinate ranges
    /// (the result does not depend on it) and returns the report. Throws ArgumentException on NaN or infinity.
    /// Without a context the call is a first round (<see cref="AggregationContext.ForMatrix"/>).
    /// </summary>
    public static AggregationReport Aggregate(this IAggregationRule rule, GradientMatrix matrix, float[] output,
        AggregationContext? context = null, int shards = 1)
    {
        var report = new AggregationReport();
        report.Reset(matrix.Rows);
        var passes = MatrixPasses.Local(matrix, shards);
        var task = rule.AggregateAsync(passes, output, context ?? AggregationContext.ForMatrix(matrix.Rows, matrix.Columns), report);
        // Local passes complete synchronously, so this never blocks.
        task.GetAwaiter().GetResult();
        return report;
    }

    /// <summary>The same for a pipeline of pre-aggregation steps and a rule.</summary>
    public static AggregationReport Aggregate(this AggregationPipeline pipeline, GradientMatrix matrix, float[] output,
        AggregationContext? context = null, int shards = 1)
    {
        var report = new AggregationReport();
        var passes = MatrixPasses.Local(matrix, shards);
        pipeline.AggregateAsync(passes, output, context ?? AggregationContext.ForMatrix(matrix.Rows, matrix.Columns), report).GetAwaiter().GetResult();
        return report;
    }
}
