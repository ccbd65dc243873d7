using System.Numerics.Tensors;

namespace FedActors.Aggregation;

/// <summary>
/// ByzantineSGD's martingale filter: per worker A_i = sum_t &lt;g_i, x_t - x_1&gt; and B_i = sum_t g_i; a worker leaves the
/// good set for good when A_i, B_i or g_i strays from the median; output = (1/m) sum of the good rows (Alistarh,
/// Allen-Zhu, Li, "Byzantine stochastic gradient descent", NeurIPS 2018, Algorithm 1).
/// </summary>
/// <remarks>
/// <para>Parameters (<see cref="Create"/>):</para>
/// <list type="table">
/// <item><term>V = auto</term><description>bound on an honest gradient's deviation ||g_i - grad f(x)||; auto = the first
/// round's median over i of the median over k of ||g_i - g_k||</description></item>
/// <item><term>D = auto</term><description>bound on ||x_t - x_1||; auto = the largest ||x_s - x_1|| seen so far</description></item>
/// <item><term>T = 1000</term><description>the horizon (number of rounds) in the thresholds; set it to the run's rounds</description></item>
/// <item><term>delta = 0.01</term><description>confidence parameter in the thresholds</description></item>
/// </list>
/// <para>Each round t, with m = the run's workers (context.TotalWorkers), for each present row (worker i, gradient g_i)
/// A_i += &lt;g_i, x_t - x_1&gt; (x_t = context.Model; x_1 = the model of the first round, stored) and B_i += g_i
/// (a vector sum: line 5 of the paper's listing misprints a sum of norms). Then, with
/// T_A = 4 D V sqrt(T ln(16 m T / delta)) and T_B = 4 V sqrt(T ln(16 m T / delta)):
/// A_med = median of all m A_i (mean of the two middle values for even m); B_med = B_j for the first worker j (in id
/// order) with more than m/2 of the B_k within T_B; g_med = g_j for the first present row j with more than half of the
/// present rows within 2V. A worker stays good only if |A_i - A_med| &lt;= T_A, ||B_i - B_med|| &lt;= 2 T_B (NOTES.md: the
/// printed T_B can eject an honest worker when B_med is a Byzantine point at the edge of the honest ball; 2 T_B cannot,
/// by the triangle inequality) and, if present, ||g_i - g_med|| &lt;= 4V. Removal is permanent; removed and missing
/// workers still count in the medians and majorities. Output = (1/m) sum over the present good rows: divided by m, not
/// by |good|, as in the paper.</para>
/// <para>Missing workers (the paper assumes every worker answers every round): a worker absent this round keeps its
/// accumulators and is credited with the round's g_med (A_i += &lt;g_med, x_t - x_1&gt;, B_i += g_med); it cannot fail
/// the g test. Leaving its B_i unchanged instead would put it ||grad f(x_t)|| behind the others per missed round, an
/// amount unrelated to V, and the B test would eject honest stragglers after a round or two; g_med is within 2V of a
/// majority of the round's rows, so crediting it keeps an honest straggler within the honest spread.</para>
/// <para>Finding a majority point: the paper guesses random indices (2 expected tries); here the distances are computed
/// for all pairs anyway (the n x n and m x m Gram matrices), so the first index in id order that qualifies is taken:
/// deterministic, and any qualifying index is a valid choice in the paper's analysis. When no index qualifies (V set
/// too small, or a colluding majority) the fallback is the index with the most neighbours within the radius, lowest id
/// on ties: the densest point, which is what the majority condition approximates.</para>
/// <para>Auto V: honest deviations are bounded by V, so honest pairs are within 2V; the median over pairs estimates the
/// typical pairwise distance sqrt(2) s of honest rows (s = typical deviation), robustly while honest rows are a
/// majority. In high dimension deviations concentrate near s, so the 2V majority ball and the 4V test hold every honest
/// row with a wide margin; with heavy-tailed noise or small d set V explicitly. If the first round's rows are all
/// equal (V = 0), the estimate waits for the next round, and no worker is tested before V exists.
/// Auto D: the thresholds' D bounds ||x_t - x_1|| over the run (the algorithm projects onto that ball); the running
/// maximum of ||x_s - x_1|| bounds every increment of A seen so far, which is what the martingale bound uses.</para>
/// <para>State (<see cref="IStatefulRule"/>): x_1, A (double per worker), B (a TotalWorkers x d
/// <see cref="GradientMatrix"/> indexed by worker id, float sums: a relative rounding of about 6e-8 sqrt(t) of
/// ||B_i||, far below T_B), the good set, V and D. The B state is in-process: its Gram matrix is computed by
/// <see cref="MatrixPasses.Local"/> with one shard per core (at most one per 1024-coordinate block); a cluster
/// deployment would shard this state with the rows.</para>
/// <para>Weights: 1/m for each present good row (so they sum to the present good fraction, not to 1), 0 for rows of
/// removed workers (<see cref="IsGood"/> tells the good set). Iterations 0, Objective NaN (no objective).</para>
/// <para>The paper's projected step onto ||x - x_1|| &lt;= D belongs to the optimizer, not to this rule.</para>
/// </remarks>
public sealed class ByzantineSgdRule : IStatefulRule
{
    public const string RuleName = "byzantine-sgd";

    private const int StateVersion = 1;

    private int _workers;
    private int _columns;
    private float[]? _start;
    private double[] _a = [];
    private GradientMatrix? _b;
    private MatrixPasses? _accumulatorPasses;
    private bool[] _good = [];
    // Buffers kept across rounds: the two d-vectors and the two m x m matrices are large objects at any real size
    // (8 MB each at m = 1000), the n x n ones from n = 104 on, and a large object per call brings full collections
    // every few rounds.
    private float[] _displacement = [];
    private float[] _gradient = [];
    private double[] _accumulatorGram = [];
    private double[] _accumulatorDistances = [];
    private double[] _gradientGram = [];
    private double[] _gradientDistances = [];
    private double[] _dots = [];
    private double[] _weights = [];
    private double _v;
    private double _d;
    private int _lastRound;

    /// <param name="f">Byzantine workers to tolerate (validated: n &gt; 2f).</param>
    /// <param name="v">V, or null to estimate it from the first round.</param>
    /// <param name="d">D, or null for the running maximum of ||x_t - x_1||.</param>
    /// <param name="horizon">T in the thresholds.</param>
    /// <param name="delta">Confidence parameter in the thresholds, in (0, 1).</param>
    public ByzantineSgdRule(int f, double? v = null, double? d = null, int horizon = 1000, double delta = 0.01)
    {
        ToleranceCheck.NonNegative(f, RuleName);
        if (v is { } vv && !(vv > 0 && double.IsFinite(vv)))
            throw new ArgumentOutOfRangeException(nameof(v), v, "V must be > 0");
        if (d is { } dd && !(dd > 0 && double.IsFinite(dd)))
            throw new ArgumentOutOfRangeException(nameof(d), d, "D must be > 0");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        if (!(delta > 0 && delta < 1))
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be in (0, 1)");
        F = f;
        ConfiguredV = v;
        ConfiguredD = d;
        Horizon = horizon;
        Delta = delta;
        _v = v ?? 0;
        _d = d ?? 0;
    }

    /// <summary>Creates the rule for f of n workers from its config parameters (see the table above).</summary>
    public static ByzantineSgdRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require(RuleName, f, n, n > 2 * f, "n > 2f");
        var v = parameters.OptionalDouble("V", "auto", min: 0);
        var d = parameters.OptionalDouble("D", "auto", min: 0);
        if (v == 0)
            throw new ArgumentException("parameter 'V': must be > 0 (or auto)", "V");
        if (d == 0)
            throw new ArgumentException("parameter 'D': must be > 0 (or auto)", "D");
        var horizon = parameters.Int("T", 1000, min: 1);
        var delta = parameters.Double("delta", 0.01, min: 0, max: 1);
        if (delta <= 0 || delta >= 1)
            throw new ArgumentException($"parameter 'delta': {delta} is outside (0, 1)", "delta");
        parameters.CheckAllRead(RuleName);
        return new ByzantineSgdRule(f, v, d, horizon, delta);
    }

    public int F { get; }

    public double? ConfiguredV { get; }

    public double? ConfiguredD { get; }

    /// <summary>T, the horizon in the thresholds.</summary>
    public int Horizon { get; }

    public double Delta { get; }

    public string Name => RuleName;

    public int MinimumRows => 1;

    /// <summary>V in use (configured, estimated, or 0 before the estimate).</summary>
    public double V => _v;

    /// <summary>D in use (configured, or the running maximum of ||x_t - x_1||).</summary>
    public double D => _d;

    /// <summary>Whether worker <paramref name="id"/> is still in the good set (true before the first round).</summary>
    public bool IsGood(int id) => _good.Length == 0 || _good[id];

    /// <summary>
    /// Shards of the accumulators' Gram pass (default: one per core, at most one per coordinate block); the bits do not
    /// depend on it, which the tests check by setting it.
    /// </summary>
    internal int? AccumulatorShards { get; init; }

    /// <summary>
    /// The last B test's ||B_i - B_k|| for all m x m pairs (empty before the first round, zeros until the first B test).
    /// </summary>
    internal ReadOnlySpan<double> AccumulatorDistances => _accumulatorDistances;

    /// <summary>A_i of worker <paramref name="id"/>.</summary>
    public double AccumulatorA(int id) => _a[id];

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ToleranceCheck.Rows(this, rows, output);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        var n = rows.Rows;
        var model = context.Model
            ?? throw new ArgumentException($"{RuleName} needs the model the gradients were computed at (context.Model)", nameof(context));
        if (model.Length != rows.Columns)
            throw new ArgumentException($"the model has {model.Length} values, the rows {rows.Columns}", nameof(context));
        FiniteModel(model);
        if (context.RowWorkerIds.Length != n)
            throw new ArgumentException($"the context names {context.RowWorkerIds.Length} workers for {n} rows", nameof(context));
        if (_start is null)
            Begin(context.TotalWorkers, rows.Columns, model);
        else if (context.TotalWorkers != _workers || rows.Columns != _columns)
            throw new ArgumentException(
                $"{RuleName} started with {_workers} workers and d = {_columns}; this round has {context.TotalWorkers} and d = {rows.Columns}", nameof(context));
        if (context.Round <= _lastRound)
            throw new ArgumentException($"{RuleName} saw round {_lastRound}; round {context.Round} comes too late", nameof(context));
        for (var i = 0; i < n; i++)
        {
            if ((uint)context.RowWorkerIds[i] >= (uint)_workers || (i > 0 && context.RowWorkerIds[i] <= context.RowWorkerIds[i - 1]))
                throw new ArgumentException($"worker ids must be ascending and in [0, {_workers}); row {i} has {context.RowWorkerIds[i]}", nameof(context));
        }
        _lastRound = context.Round;
        var ids = context.RowWorkerIds;

        // The round's gradients: pairwise distances, V (if still to estimate) and g_med.
        if (_dots.Length != n)
            (_gradientGram, _gradientDistances, _dots, _weights) = (new double[n * n], new double[n * n], new double[n], new double[n]);
        var gradientDistances = _gradientDistances;
        await rows.GramAsync(_gradientGram);
        Distances(_gradientGram, n, gradientDistances);
        if (ConfiguredV is null && _v == 0)
            _v = MedianOfMedians(gradientDistances, n);
        var centreG = MajorityPoint(gradientDistances, n, 2 * _v);

        // A_i += <g_i, x_t - x_1>; B_i += g_i; a missing worker is credited with g_med.
        var displacement = _displacement;
        TensorPrimitives.Subtract(model, _start!, displacement);
        var distanceFromStart = 0.0;
        foreach (var offset in displacement)
            distanceFromStart += (double)offset * offset;
        if (ConfiguredD is null)
            _d = Math.Max(_d, Math.Sqrt(distanceFromStart));
        var dots = _dots;
        await rows.DotsAsync(displacement, dots);
        var gradient = _gradient;
        for (var i = 0; i < n; i++)
        {
            await rows.CopyRowAsync(i, gradient);
            Accumulate(ids[i], dots[i], gradient);
        }
        if (n < _workers)
        {
            await rows.CopyRowAsync(centreG, gradient);
            var present = 0;
            for (var id = 0; id < _workers; id++)
            {
                if (present < n && ids[present] == id)
                    present++;
                else
                    Accumulate(id, dots[centreG], gradient);
            }
        }

        if (_v > 0)
        {
            await _accumulatorPasses!.GramAsync(_accumulatorGram);
            var accumulatorDistances = _accumulatorDistances;
            Distances(_accumulatorGram, _workers, accumulatorDistances);

            var log = Math.Log(16.0 * _workers * Horizon / Delta);
            var thresholdB = 4 * _v * Math.Sqrt(Horizon * log);
            var thresholdA = _d * thresholdB;
            var medianA = Median(_a);
            var centreB = MajorityPoint(accumulatorDistances, _workers, thresholdB);
            for (var id = 0; id < _workers; id++)
            {
                if (_good[id] && (Math.Abs(_a[id] - medianA) > thresholdA || accumulatorDistances[id * _workers + centreB] > 2 * thresholdB))
                    _good[id] = false;
            }
            for (var i = 0; i < n; i++)
            {
                if (gradientDistances[i * n + centreG] > 4 * _v)
                    _good[ids[i]] = false;
            }
        }

        var weights = _weights;
        for (var i = 0; i < n; i++)
            weights[i] = _good[ids[i]] ? 1.0 / _workers : 0;
        await rows.WeightedSumAsync(weights, output);
        weights.CopyTo(report.Weights);
        report.Iterations = 0;
        report.Objective = double.NaN;
        report.Converged = true;
    }

    private void Accumulate(int id, double dot, float[] gradient)
    {
        _a[id] += dot;
        var accumulator = _b!.Row(id);
        TensorPrimitives.Add(accumulator, gradient, accumulator);
    }

    private void Begin(int workers, int columns, float[] model)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        _workers = workers;
        _columns = columns;
        _start = (float[])model.Clone();
        _a = new double[workers];
        _b = new GradientMatrix(workers, columns);
        for (var id = 0; id < workers; id++)
            _b.Row(id).Clear();
        // The m x m Gram of the accumulators is the rule's largest cost (m^2 d / 2 products a round): it runs on every
        // core, which leaves its bits unchanged (sums per coordinate block, combined by the fixed tree).
        var blocks = (columns + CoordinatePartition.BlockSize - 1) / CoordinatePartition.BlockSize;
        _accumulatorPasses = MatrixPasses.Local(_b, Math.Min(AccumulatorShards ?? Environment.ProcessorCount, blocks), checkFinite: false);
        (_accumulatorGram, _accumulatorDistances) = (new double[workers * workers], new double[workers * workers]);
        (_displacement, _gradient) = (new float[columns], new float[columns]);
        _good = new bool[workers];
        Array.Fill(_good, true);
    }

    private static void FiniteModel(float[] model)
    {
        var bad = Array.FindIndex(model, value => !float.IsFinite(value));
        if (bad >= 0)
            throw new ArgumentException($"model[{bad}] is {model[bad]}; aggregation needs finite values", "context");
    }

    /// <summary>Euclidean distances ||x_i - x_k|| from a Gram matrix (clamped at 0 against rounding).</summary>
    private static void Distances(double[] gram, int n, double[] distances)
    {
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
                distances[i * n + k] = i == k ? 0 : Math.Sqrt(Math.Max(0, gram[i * n + i] + gram[k * n + k] - 2 * gram[i * n + k]));
        }
    }

    /// <summary>
    /// The first index (in order) with more than half of all points within <paramref name="radius"/> (itself included);
    /// if none, the index with the most such neighbours, lowest on ties.
    /// </summary>
    internal static int MajorityPoint(double[] distances, int n, double radius)
    {
        var best = 0;
        var bestCount = -1;
        for (var i = 0; i < n; i++)
        {
            var count = 0;
            for (var k = 0; k < n; k++)
            {
                if (distances[i * n + k] <= radius)
                    count++;
            }
            if (2 * count > n)
                return i;
            if (count > bestCount)
            {
                best = i;
                bestCount = count;
            }
        }
        return best;
    }

    /// <summary>median_i median_{k != i} of the pairwise distances (NumPy's median of even counts).</summary>
    internal static double MedianOfMedians(double[] distances, int n)
    {
        if (n < 2)
            return 0;
        var perRow = new double[n];
        var others = new double[n - 1];
        for (var i = 0; i < n; i++)
        {
            var m = 0;
            for (var k = 0; k < n; k++)
            {
                if (k != i)
                    others[m++] = distances[i * n + k];
            }
            perRow[i] = Median(others);
        }
        return Median(perRow);
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var m = sorted.Length;
        return (sorted[(m - 1) / 2] + sorted[m / 2]) / 2;
    }

    public void SaveState(BinaryWriter writer)
    {
        RuleState.WriteHeader(writer, RuleName, StateVersion);
        writer.Write(_start is not null);
        writer.Write(_v);
        writer.Write(_d);
        writer.Write(_lastRound);
        if (_start is null)
            return;
        writer.Write(_workers);
        writer.Write(_columns);
        foreach (var value in _start)
            writer.Write(value);
        foreach (var value in _a)
            writer.Write(value);
        for (var id = 0; id < _workers; id++)
        {
            foreach (var value in _b!.Row(id))
                writer.Write(value);
        }
        foreach (var good in _good)
            writer.Write(good);
    }

    public void LoadState(BinaryReader reader)
    {
        RuleState.ReadHeader(reader, RuleName, StateVersion);
        var started = reader.ReadBoolean();
        var v = reader.ReadDouble();
        var d = reader.ReadDouble();
        var lastRound = reader.ReadInt32();
        if (ConfiguredV is { } configuredV && v != configuredV)
            throw new InvalidDataException($"the state was saved with V = {v}, this rule has V = {configuredV}");
        if (ConfiguredD is { } configuredD && d != configuredD)
            throw new InvalidDataException($"the state was saved with D = {d}, this rule has D = {configuredD}");
        _v = v;
        _d = d;
        _lastRound = lastRound;
        if (!started)
        {
            _start = null;
            return;
        }
        var workers = reader.ReadInt32();
        var columns = reader.ReadInt32();
        if (workers <= 0 || columns <= 0)
            throw new InvalidDataException($"corrupt state: {workers} workers, d = {columns}");
        var start = new float[columns];
        for (var j = 0; j < columns; j++)
            start[j] = reader.ReadSingle();
        Begin(workers, columns, start);
        for (var id = 0; id < workers; id++)
            _a[id] = reader.ReadDouble();
        for (var id = 0; id < workers; id++)
        {
            var row = _b!.Row(id);
            for (var j = 0; j < columns; j++)
                row[j] = reader.ReadSingle();
        }
        for (var id = 0; id < workers; id++)
            _good[id] = reader.ReadBoolean();
    }
}
