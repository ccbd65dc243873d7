using System.Runtime.Intrinsics;
using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// Block-coordinate geometric median with memory: G = gamma X + 1 m^T, keep the k = beta d columns of largest norm,
/// output = GM of the n rows of that n x k block scattered into d (zeros elsewhere), memory = row mean of the rest
/// (Acharya et al., "Robust training in high dimensions via block coordinate geometric median descent", AISTATS 2022).
/// </summary>
/// <remarks>
/// <para>Parameters (<see cref="Create"/>):</para>
/// <list type="table">
/// <item><term>step = 1.0</term><description>gamma, the scale applied to the gradients before the memory is added</description></item>
/// <item><term>beta = 0.1</term><description>fraction of coordinates kept: k = max(1, round(beta d)), halves rounded up</description></item>
/// <item><term>selection = top-k</term><description>top-k: the k largest column scores, ties to the lower index; sampled:
/// k columns without replacement with probability proportional to the score (Algorithm 2), from context.Random</description></item>
/// <item><term>memory = mean</term><description>mean: m_hat is the plain row mean of the residual (eq. 8, the paper);
/// huber: the residual rows averaged with Huber weights from their distance to the block's median instead (not in
/// the paper; see below); none: no memory, the residual is dropped every round (the paper's reference code run with
/// its default <c>memory_algo: null</c>)</description></item>
/// <item><term>tolerance, max-iterations, smoothing</term><description>the Weiszfeld settings of <see cref="GeometricMedianRule"/></description></item>
/// </list>
/// <para>Per round (Algorithm 1, rows = the n present workers): G[i, :] = gamma x_i + m_hat; s_j = ||G[:, j]||^2,
/// computed from one <see cref="IMatrixPasses.ColumnMomentsAsync"/> sweep as gamma^2 S2_j + 2 gamma m_j S1_j + n m_j^2;
/// select the block S; g_tilde = GM of the rows of G restricted to S; m_hat &lt;- the row mean of G off S (0 on S);
/// output = g_tilde on S, 0 elsewhere.</para>
/// <para>Output convention: the output is the update direction the simulator's optimizer applies (x &lt;- x - lr *
/// output). The paper folds the step into G (x &lt;- x - g_tilde, gamma = the learning rate); with the default
/// gamma = 1 the optimizer's learning rate plays that role, which is the same method while the learning rate is
/// constant (the memory then holds unscaled gradients). With a decaying learning rate the two differ: memory saved at
/// an old rate is applied at the new one. Setting step = lr and an optimizer rate of 1 reproduces the paper exactly.</para>
/// <para>The block's median without forming the block of G: the passes give the raw block X_S
/// (<see cref="IMatrixPasses.SelectColumnsAsync"/>) but no per-column affine map, and G_S = gamma X_S + 1 m_S^T. The
/// geometric median is equivariant under x -&gt; gamma x + m for gamma &gt; 0, and so is every part of this Weiszfeld
/// (the coordinate-wise median start, the normalised weights, the relative smoothing, the Vardi-Zhang test, the
/// relative stopping rule), so the run on X_S gives iterates z with gamma z + m_S the iterates on G_S: g_tilde =
/// gamma z + m_S (in double, rounded once). Only rounding differs from forming G_S in float first. The report's
/// objective is gamma times the X_S objective, i.e. the objective on G_S.</para>
/// <para>Sampling proportional to s_j without replacement uses Efraimidis-Spirakis keys log(u_j) / s_j with
/// u_j = 1 - NextDouble() drawn for j = 0..d-1 in order (the same distribution as k sequential proportional draws);
/// columns of score 0 come last, lowest index first.</para>
/// <para>Why a second memory: with the paper's plain mean, the geometric median protects only the k selected
/// columns. On the other d - k the corrupted rows enter m_hat with weight 1/n each, and m_hat is added to every row
/// and released into the output when its column is selected later, so off the block BGMD has the mean's breakdown
/// point of 0 (measured in docs/RESULTS.md: under -100 g or N(0, 100) noise from 20-40 % of the rows it fails where the
/// full geometric median holds). huber averages the residual rows with weights w_i = min(1, r / D_i), D_i the
/// distance of row i to the block's geometric median on the block and r the lower median of the D_i: a row far from
/// the median on the block is down-weighted off it too (by r / D_i), and at least half the rows have weight 1, so no
/// row's share exceeds 1 / ceil(n / 2) (the mean's is 1 / n). The Weiszfeld coefficients themselves would not do:
/// they give a row that coincides with the median all of the weight, which f colluders reach by sending the median.
/// With beta = 1 both memories are 0. It protects only against rows that are far on the block: an attacker that
/// corrupts just the columns it expects to be left out keeps a share of up to f / ceil(n / 2). It costs a distance
/// pass over the block and a weighted-sum pass over the rows.</para>
/// <para>Why none: the paper's public code (anishacharya/BGMD-AISTATS-2022) makes the memory optional and its default
/// configuration leaves it off, so a run of that code may well have had no memory. Without it the output is gamma
/// times the block's geometric median and 0 elsewhere every round: as robust as the geometric median on the block, and the
/// columns left out are not updated that round at all.</para>
/// <para>Weights: the Weiszfeld weights of the block's rows. State: m_hat (d doubles), part of the checkpoint.
/// Not translation-equivariant (column scores are uncentred norms, as in the paper). f is validated only: n &gt; 2f.</para>
/// </remarks>
public sealed class BgmdRule : IStatefulRule
{
    public const string RuleName = "bgmd";

    private const int StateVersion = 1;

    private double[]? _memory;
    private double[]? _sums;
    private double[]? _squares;
    private ulong[]? _keys;
    private ulong[]? _keyScratch;
    private float[]? _weightedResidual;
    private double[] _memoryWeights = [];
    private int[] _columns = [];
    private float[] _median = [];

    /// <param name="f">Byzantine rows to tolerate (validated: n &gt; 2f).</param>
    /// <param name="step">gamma &gt; 0.</param>
    /// <param name="beta">Fraction of coordinates kept, in (0, 1].</param>
    /// <param name="sampled">Sample columns proportionally to their score instead of taking the top k.</param>
    /// <param name="options">Weiszfeld settings.</param>
    /// <param name="memory">How the residual off the block becomes the memory (see remarks).</param>
    public BgmdRule(int f, double step = 1.0, double beta = 0.1, bool sampled = false, WeiszfeldOptions? options = null,
        BgmdMemory memory = BgmdMemory.Mean)
    {
        ToleranceCheck.NonNegative(f, RuleName);
        if (!(step > 0 && double.IsFinite(step)))
            throw new ArgumentOutOfRangeException(nameof(step), step, "step must be > 0");
        if (!(beta > 0 && beta <= 1))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be in (0, 1]");
        Options = options ?? new WeiszfeldOptions();
        Options.Validate();
        if (!Enum.IsDefined(memory))
            throw new ArgumentOutOfRangeException(nameof(memory), memory, "not a memory of bgmd");
        F = f;
        Step = step;
        Beta = beta;
        Sampled = sampled;
        MemoryKind = memory;
        MinimumRows = 2 * f + 1;
    }

    /// <summary>Creates the rule for f of n workers from its config parameters (see the table above).</summary>
    public static BgmdRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require(RuleName, f, n, n > 2 * f, "n > 2f");
        var step = parameters.Double("step", 1.0, min: 0);
        if (step <= 0)
            throw new ArgumentException("parameter 'step': must be > 0", "step");
        var beta = parameters.Double("beta", 0.1, min: 0, max: 1);
        if (beta <= 0)
            throw new ArgumentException("parameter 'beta': must be in (0, 1]", "beta");
        var sampled = parameters.Choice("selection", "top-k", "top-k", "sampled") == "sampled";
        var memory = parameters.Choice("memory", "mean", "mean", "huber", "none") switch
        {
            "huber" => BgmdMemory.Huber,
            "none" => BgmdMemory.None,
            _ => BgmdMemory.Mean,
        };
        var options = WeiszfeldOptions.Read(parameters);
        parameters.CheckAllRead(RuleName);
        return new BgmdRule(f, step, beta, sampled, options, memory);
    }

    public int F { get; }

    /// <summary>gamma.</summary>
    public double Step { get; }

    public double Beta { get; }

    public bool Sampled { get; }

    /// <summary>How the residual off the block becomes the memory (config memory = mean | huber | none).</summary>
    public BgmdMemory MemoryKind { get; }

    public WeiszfeldOptions Options { get; }

    public string Name => RuleName;

    public int MinimumRows { get; }

    /// <summary>m_hat (empty before the first round).</summary>
    public ReadOnlySpan<double> Memory => _memory;

    /// <summary>The columns selected in the last round, ascending; the array is reused, so it changes with the next round.</summary>
    public IReadOnlyList<int> LastColumns => _columns;

    /// <summary>k = max(1, round(beta d)), halves rounded up.</summary>
    public int BlockSize(int columns) => Math.Clamp((int)Math.Round(Beta * columns, MidpointRounding.AwayFromZero), 1, columns);

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ToleranceCheck.Rows(this, rows, output);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        var n = rows.Rows;
        var d = rows.Columns;
        _memory ??= new double[d];
        if (_memory.Length != d)
            throw new ArgumentException($"{RuleName} holds a memory of {_memory.Length} coordinates; the rows have {d}", nameof(rows));

        // Scratch of d doubles each, kept across rounds: the rule runs once per round on the same d.
        if (_sums is null || _sums.Length != d)
            (_sums, _squares, _keys, _keyScratch) = (new double[d], new double[d], new ulong[d], new ulong[d]);
        var sums = _sums;
        var squares = _squares!;
        var keys = _keys!;
        await rows.ColumnMomentsAsync(sums, squares);
        var gamma = Step;
        if (Sampled)
        {
            // Sampling needs the scores themselves: they borrow squares.
            for (var j = 0; j < d; j++)
                squares[j] = Score(gamma, n, _memory[j], sums[j], squares[j]);
            SamplingKeys(squares, context.Random, keys);
        }
        else
        {
            ScoreKeys(gamma, n, _memory, sums, squares, keys);
        }
        var k = BlockSize(d);
        // The block's column list and median are reused across rounds: at the paper's d they are large objects.
        var columns = _columns.Length == k ? _columns : new int[k];
        RadixSelect.Smallest(keys, _keyScratch, columns);

        var block = await rows.SelectColumnsAsync(columns);
        if (_median.Length != k)
            _median = new float[k];
        var median = _median;
        var weights = new double[n];
        var result = await Weiszfeld.RunAsync(block, median, weights, Options);

        Array.Clear(output);
        for (var c = 0; c < k; c++)
            output[columns[c]] = (float)(gamma * median[c] + _memory[columns[c]]);
        if (MemoryKind == BgmdMemory.Huber)
        {
            // G's rows off S are gamma x_i + m and the weights are normalised to sum 1, so their weighted mean is
            // gamma sum_i w_i x_i + m. Distances on the block in x (gamma scales them all alike).
            if (_memoryWeights.Length != n)
                _memoryWeights = new double[n];
            await block.SquaredDistancesAsync(median, _memoryWeights);
            HuberWeights(_memoryWeights);
            if (_weightedResidual is null || _weightedResidual.Length != d)
                _weightedResidual = new float[d];
            await rows.WeightedSumAsync(_memoryWeights, _weightedResidual);
            for (var j = 0; j < d; j++)
                _memory[j] = gamma * _weightedResidual[j] + _memory[j];
        }
        else if (MemoryKind == BgmdMemory.Mean)
        {
            for (var j = 0; j < d; j++)
                _memory[j] = gamma * sums[j] / n + _memory[j];
        }
        foreach (var column in columns)
            _memory[column] = 0;
        _columns = columns;

        weights.CopyTo(report.Weights);
        report.Iterations = result.Iterations;
        report.Objective = gamma * result.Objective;
        report.Converged = result.Converged;
    }

    /// <summary>
    /// Turns squared distances D_i^2 into w_i = min(1, r / D_i) normalised to sum 1, r the lower median of the D_i
    /// (rows at distance 0 weigh 1; when r = 0 only they count).
    /// </summary>
    internal static void HuberWeights(double[] squared)
    {
        var sorted = (double[])squared.Clone();
        Array.Sort(sorted);
        var radius = Math.Sqrt(sorted[(sorted.Length - 1) / 2]);
        var total = 0.0;
        for (var i = 0; i < squared.Length; i++)
        {
            var distance = Math.Sqrt(squared[i]);
            squared[i] = distance <= radius ? 1 : radius / distance;
            total += squared[i];
        }
        for (var i = 0; i < squared.Length; i++)
            squared[i] /= total;
    }

    /// <summary>The k columns of largest score, ties to the lower index, ascending.</summary>
    internal static int[] TopColumns(double[] scores, int k)
    {
        var keys = new ulong[scores.Length];
        for (var j = 0; j < scores.Length; j++)
            keys[j] = DescendingKey(scores[j]);
        var chosen = new int[k];
        RadixSelect.Smallest(keys, new ulong[scores.Length], chosen);
        return chosen;
    }

    /// <summary>k columns sampled without replacement with probability proportional to the score, ascending.</summary>
    internal static int[] SampleColumns(double[] scores, int k, Random random)
    {
        var keys = new ulong[scores.Length];
        SamplingKeys(scores, random, keys);
        var chosen = new int[k];
        RadixSelect.Smallest(keys, new ulong[scores.Length], chosen);
        return chosen;
    }

    /// <summary>s_j = ||column j of gamma X + 1 m^T||^2 from the column's sum and sum of squares (clamped at 0 against rounding).</summary>
    private static double Score(double gamma, int n, double m, double sum, double square) =>
        Math.Max(0, gamma * gamma * square + 2 * gamma * m * sum + n * m * m);

    /// <summary>
    /// keys[j] = <see cref="DescendingKey"/>(<see cref="Score"/> of column j), eight columns per vector with the same
    /// operations in the same order, so the same bits: the scalar loop took 0.19 ms at d = 10^5, about as long as the
    /// radix selection after it.
    /// </summary>
    private static void ScoreKeys(double gamma, int n, ReadOnlySpan<double> memory, ReadOnlySpan<double> sums,
        ReadOnlySpan<double> squares, Span<ulong> keys)
    {
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var gammaSquared = Vector512.Create(gamma * gamma);
            var twoGamma = Vector512.Create(2 * gamma);
            var rows = Vector512.Create((double)n);
            var zero = Vector512<double>.Zero;
            // ~key of a score >= +0 is ~(bits | sign); Max keeps a -0 (IEEE maximum of +0 and -0 may return either
            // under the vector API), adding +0 turns it into +0 as Math.Max gives it.
            var magnitude = Vector512.Create(~(1UL << 63));
            for (; j + Vector512<double>.Count <= keys.Length; j += Vector512<double>.Count)
            {
                var m = Vector512.Create(memory.Slice(j, Vector512<double>.Count));
                var score = gammaSquared * Vector512.Create(squares.Slice(j, Vector512<double>.Count))
                    + twoGamma * m * Vector512.Create(sums.Slice(j, Vector512<double>.Count))
                    + rows * m * m;
                if (!Vector512.EqualsAll(score, score))
                    throw new ArgumentException("a column score is NaN", nameof(memory));
                score = Vector512.Max(zero, score) + zero;
                (~score.AsUInt64() & magnitude).CopyTo(keys.Slice(j, Vector512<double>.Count));
            }
        }
        for (; j < keys.Length; j++)
            keys[j] = DescendingKey(Score(gamma, n, memory[j], sums[j], squares[j]));
    }

    /// <summary>A key that sorts larger scores first; a NaN score is an error (it would leave fewer than k columns).</summary>
    private static ulong DescendingKey(double score) => double.IsNaN(score)
        ? throw new ArgumentException("a column score is NaN", nameof(score))
        : ~RadixSelect.Key(score);

    /// <summary>Efraimidis-Spirakis keys, smallest first: -log(u_j) / s_j, score 0 last; one u per column in column order.</summary>
    private static void SamplingKeys(ReadOnlySpan<double> scores, Random random, Span<ulong> keys)
    {
        for (var j = 0; j < scores.Length; j++)
        {
            var u = 1 - random.NextDouble();
            if (double.IsNaN(scores[j]))
                throw new ArgumentException("a column score is NaN", nameof(scores));
            keys[j] = RadixSelect.Key(scores[j] > 0 ? -Math.Log(u) / scores[j] : double.PositiveInfinity);
        }
    }

    public void SaveState(BinaryWriter writer)
    {
        RuleState.WriteHeader(writer, RuleName, StateVersion);
        writer.Write(_memory?.Length ?? 0);
        if (_memory is null)
            return;
        foreach (var value in _memory)
            writer.Write(value);
    }

    public void LoadState(BinaryReader reader)
    {
        RuleState.ReadHeader(reader, RuleName, StateVersion);
        var length = reader.ReadInt32();
        if (length < 0)
            throw new InvalidDataException($"corrupt state: memory of {length} coordinates");
        if (length == 0)
        {
            _memory = null;
            return;
        }
        _memory = new double[length];
        for (var j = 0; j < length; j++)
            _memory[j] = reader.ReadDouble();
        // A memory saved by a rule that kept one would otherwise be released into this one's output.
        if (MemoryKind == BgmdMemory.None && Array.Exists(_memory, value => value != 0))
            throw new InvalidDataException("the saved state holds a memory; this bgmd has memory = none");
        _columns = [];
    }
}

/// <summary>How <see cref="BgmdRule"/> turns the residual off the block into the memory added to the next round's rows.</summary>
public enum BgmdMemory
{
    /// <summary>The plain row mean (the paper's eq. 8).</summary>
    Mean,

    /// <summary>The rows weighted by min(1, r / D_i), D_i a row's distance to the block's median (not in the paper).</summary>
    Huber,

    /// <summary>No memory: the residual is dropped.</summary>
    None,
}
