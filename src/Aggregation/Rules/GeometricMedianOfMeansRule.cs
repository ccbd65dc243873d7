namespace FedActors.Aggregation;

/// <summary>
/// Geometric median of means: output = GM(mean of group 1, ..., mean of group k) over k contiguous groups of b = n/k
/// workers in worker-id order (Chen, Su, Xu, "Distributed statistical machine learning in adversarial settings:
/// Byzantine gradient descent", 2017). k = 1 is the mean, k = n the geometric median.
/// </summary>
/// <remarks>
/// <para>Parameters (<see cref="Create"/>):</para>
/// <list type="table">
/// <item><term>groups = auto</term><description>k; auto = the smallest divisor of n with k &gt;= 2(1 + epsilon) f
/// (the paper's condition 2(1 + eps) q &lt;= k &lt;= m; one Byzantine worker spoils its whole group, so the groups, not
/// the workers, need an honest majority)</description></item>
/// <item><term>epsilon = 0.1</term><description>the paper's eps in that condition; a given k is checked against it too</description></item>
/// <item><term>tau = off</term><description>drop group means of norm above tau before the median (the paper's Remark 2)</description></item>
/// <item><term>tolerance, max-iterations, smoothing</term><description>the Weiszfeld settings of <see cref="GeometricMedianRule"/></description></item>
/// </list>
/// <para>Groups are fixed once from the worker ids (worker w is in group w / b), never reshuffled, as in the paper.
/// When workers are missing in a round, a group's mean is the mean of its present members, and a group with none is
/// left out. The group means are formed by one <see cref="IMatrixPasses.MixAsync"/> sweep; the median runs on the k x d
/// matrix of means. If tau drops every group, the output is the zero vector (no step) and every weight is 0.</para>
/// <para>Weights: row i gets its group's Weiszfeld weight divided by the number of present rows in the group.</para>
/// </remarks>
public sealed class GeometricMedianOfMeansRule : IAggregationRule
{
    public const string RuleName = "gmom";

    private double[]? _spareMixing;
    private float[] _zeros = [];

    /// <param name="f">Byzantine workers to tolerate; needs groups &gt; 2f.</param>
    /// <param name="workers">n, the number of workers of the run (worker ids are 0..n-1).</param>
    /// <param name="groups">k, a divisor of n.</param>
    /// <param name="tau">Norm above which a group mean is dropped; null keeps all.</param>
    /// <param name="options">Weiszfeld settings.</param>
    public GeometricMedianOfMeansRule(int f, int workers, int groups, double? tau = null, WeiszfeldOptions? options = null)
    {
        ToleranceCheck.NonNegative(f, RuleName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        if (groups < 1 || groups > workers || workers % groups != 0)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{RuleName}: groups = {groups} does not divide n = {workers}");
        if (groups <= 2 * f)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{RuleName}: groups = {groups} cannot outnumber f = {f} spoilt groups twice: needs groups > 2f");
        if (tau is { } t && !(t > 0 && double.IsFinite(t)))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, $"{RuleName}: tau must be a positive finite norm");
        Options = options ?? new WeiszfeldOptions();
        Options.Validate();
        F = f;
        Workers = workers;
        Groups = groups;
        Tau = tau;
    }

    /// <summary>Creates the rule for f of n workers from its config parameters (see the table above).</summary>
    public static GeometricMedianOfMeansRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Counts(RuleName, f, n);
        var epsilon = parameters.Double("epsilon", 0.1, min: 0);
        var given = parameters.OptionalInt("groups", "auto", min: 1, max: n);
        var tau = parameters.OptionalDouble("tau", "off", min: 0);
        if (tau == 0)
            throw new ArgumentException("parameter 'tau': must be > 0 (or off)", "tau");
        var options = WeiszfeldOptions.Read(parameters);
        parameters.CheckAllRead(RuleName);

        var needed = 2 * (1 + epsilon) * f;
        int groups;
        if (given is { } k)
        {
            if (n % k != 0)
                throw new ArgumentException($"parameter 'groups': {k} does not divide n = {n}", "groups");
            if (k < needed)
                throw new ArgumentException(
                    $"{RuleName} cannot tolerate f = {f} of n = {n} with groups = {k}: needs groups >= 2(1 + epsilon) f = {needed:0.###}", "groups");
            groups = k;
        }
        else
        {
            groups = DefaultGroups(f, n, epsilon);
        }
        ToleranceCheck.Require(RuleName, f, n, groups > 2 * f, "groups > 2f");
        return new GeometricMedianOfMeansRule(f, n, groups, tau, options);
    }

    /// <summary>The smallest divisor k of n with k &gt;= 2(1 + epsilon) f; throws when even k = n is too small.</summary>
    public static int DefaultGroups(int f, int n, double epsilon)
    {
        var needed = 2 * (1 + epsilon) * f;
        for (var k = 1; k <= n; k++)
        {
            if (n % k == 0 && k >= needed)
                return k;
        }
        throw new ArgumentException(
            $"{RuleName} cannot tolerate f = {f} of n = {n}: needs a number of groups dividing n with groups >= 2(1 + epsilon) f = {needed:0.###}", nameof(f));
    }

    public int F { get; }

    /// <summary>n, the workers of the run.</summary>
    public int Workers { get; }

    /// <summary>k, the number of groups.</summary>
    public int Groups { get; }

    /// <summary>b = n / k, workers per group.</summary>
    public int GroupSize => Workers / Groups;

    public double? Tau { get; }

    public WeiszfeldOptions Options { get; }

    public string Name => RuleName;

    /// <summary>2f + 1, as for the geometric median: fewer rows cannot hold an honest majority of groups.</summary>
    public int MinimumRows => 2 * F + 1;

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ToleranceCheck.Rows(this, rows, output);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        if (context.TotalWorkers != Workers)
            throw new ArgumentException($"{RuleName} was created for n = {Workers} workers; this round has {context.TotalWorkers}", nameof(context));
        var n = rows.Rows;
        if (context.RowWorkerIds.Length != n)
            throw new ArgumentException($"the context names {context.RowWorkerIds.Length} workers for {n} rows", nameof(context));

        // Group of each row, and the present members per group.
        var groupOf = new int[n];
        var members = new int[Groups];
        for (var i = 0; i < n; i++)
        {
            var id = context.RowWorkerIds[i];
            if ((uint)id >= (uint)Workers)
                throw new ArgumentException($"worker id {id} of row {i} is outside [0, {Workers})", nameof(context));
            groupOf[i] = id / GroupSize;
            members[groupOf[i]]++;
        }
        var present = Enumerable.Range(0, Groups).Where(g => members[g] > 0).ToArray();
        var slot = new int[Groups];
        Array.Fill(slot, -1);
        for (var s = 0; s < present.Length; s++)
            slot[present[s]] = s;

        // k x n doubles (160 KB at k = 100, n = 200) is a large object: parked for the next round (see Parked).
        var mixing = Parked.TakeCleared(ref _spareMixing, present.Length * n);
        for (var i = 0; i < n; i++)
            mixing[slot[groupOf[i]] * n + i] = 1.0 / members[groupOf[i]];
        var means = await rows.MixAsync(mixing, present.Length);
        Parked.Put(ref _spareMixing, mixing);

        // Optional norm trimming: keep[s] = index into the present groups.
        var kept = Enumerable.Range(0, present.Length).ToArray();
        if (Tau is { } tau)
        {
            var squaredNorms = new double[present.Length];
            // Read once into a local: never written after it is made, so concurrent callers may share it.
            var zeros = _zeros;
            if (zeros.Length != rows.Columns)
                _zeros = zeros = new float[rows.Columns];
            await means.SquaredDistancesAsync(zeros, squaredNorms);
            kept = kept.Where(s => Math.Sqrt(squaredNorms[s]) <= tau).ToArray();
        }

        report.Weights.Clear();
        if (kept.Length == 0)
        {
            Array.Clear(output);
            report.Iterations = 0;
            report.Objective = double.NaN;
            report.Converged = true;
            return;
        }
        var medianInput = means;
        if (kept.Length < present.Length)
        {
            var selection = new double[kept.Length * present.Length];
            for (var r = 0; r < kept.Length; r++)
                selection[r * present.Length + kept[r]] = 1;
            medianInput = await means.MixAsync(selection, kept.Length);
        }

        var groupWeights = new double[kept.Length];
        var result = await Weiszfeld.RunAsync(medianInput, output, groupWeights, Options);
        var weightOfPresent = new double[present.Length];
        for (var r = 0; r < kept.Length; r++)
            weightOfPresent[kept[r]] = groupWeights[r];
        for (var i = 0; i < n; i++)
        {
            var group = groupOf[i];
            report.Weights[i] = weightOfPresent[slot[group]] / members[group];
        }
        report.Iterations = result.Iterations;
        report.Objective = result.Objective;
        report.Converged = result.Converged;
    }
}
