using System.Numerics.Tensors;

namespace FedActors.Aggregation;

/// <summary>
/// Centered clipping: v_{l+1} = v_l + (1/n) sum_i (x_i - v_l) min(1, tau / ||x_i - v_l||) for l &lt; L, output v_L,
/// with v_0 the previous round's output (Karimireddy, He, Jaggi, "Learning from history for Byzantine robust optimization", ICML 2021).
/// </summary>
/// <remarks>
/// <para>Parameters (config block <c>aggregator.centered-clipping</c>):</para>
/// <list type="table">
/// <listheader><term>name</term><description>default: meaning</description></listheader>
/// <item><term>tau</term><description>100: clipping radius, in the rows' own units (&gt; 0).</description></item>
/// <item><term>iterations</term><description>1: L, the clipping iterations per round (with a tolerance: the
/// cap).</description></item>
/// <item><term>tolerance</term><description>off: when a number, stop early once a step moves the centre by at most
/// tolerance * tau (each step moves it by at most tau).</description></item>
/// </list>
/// <para>The defaults L = 1 and tau = 100 are those of ByzFL's CenteredClipping, which follows the paper's experiments
/// (a single clipping iteration per round, the centre carried over rounds). Needs n &gt; 2f; f is only checked, the
/// rule does not use it.</para>
/// <para>State: the centre v carries over rounds (zero before the first call, as in the paper's v_0 = 0); it is
/// part of the checkpoint (<see cref="SaveState"/>). Because v_0 does not move with the rows, the rule is not
/// translation equivariant.</para>
/// <para>Each iteration is one distance pass and one weighted-sum pass: with w_i = min(1, tau / ||x_i - v||) / n,
/// v' = sum_i w_i x_i + (1 - sum_i w_i) v, the second term added by the rule on its own vector.</para>
/// <para>Report: weights min(1, tau / ||x_i - v||) of the last iteration, normalised to sum to 1 (the centre's own
/// share 1 - sum w_i is not a row's); Iterations used; Converged false only when a tolerance is set and the cap
/// was reached first.</para>
/// </remarks>
public sealed class CenteredClippingRule : IStatefulRule
{
    private float[]? _centre;
    private float[]? _next;

    public CenteredClippingRule(double tau = 100, int iterations = 1, double? tolerance = null)
    {
        if (!(tau > 0) || !double.IsFinite(tau))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "centered-clipping: tau (clipping radius) must be a finite number > 0");
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (tolerance is { } value && (!(value >= 0) || !double.IsFinite(value)))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "centered-clipping: tolerance must be a finite number >= 0");
        Tau = tau;
        Iterations = iterations;
        Tolerance = tolerance;
    }

    /// <summary>Reads <c>tau</c>, <c>iterations</c> and <c>tolerance</c>, and checks that f of n is tolerable.</summary>
    public static CenteredClippingRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var tau = parameters.Double("tau", 100, min: 0);
        if (tau == 0)
            throw new ArgumentException("parameter 'tau': the clipping radius must be > 0", "tau");
        var iterations = parameters.Int("iterations", 1, min: 1);
        var tolerance = parameters.OptionalDouble("tolerance", "off", min: 0);
        ToleranceCheck.Require("centered-clipping", f, n, n > 2L * f, "n > 2f");
        parameters.CheckAllRead("centered-clipping");
        return new CenteredClippingRule(tau, iterations, tolerance);
    }

    /// <summary>Clipping radius.</summary>
    public double Tau { get; }

    /// <summary>L, the clipping iterations per round (the cap when a tolerance is set).</summary>
    public int Iterations { get; }

    /// <summary>Stop once a step is at most Tolerance * Tau; null to run exactly <see cref="Iterations"/>.</summary>
    public double? Tolerance { get; }

    public string Name => "centered-clipping";

    public int MinimumRows => 1;

    /// <summary>The centre the next call starts from (null before the first call).</summary>
    public ReadOnlySpan<float> Centre => _centre;

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ToleranceCheck.Rows(this, rows);
        var n = rows.Rows;
        var d = rows.Columns;
        if (output is null || output.Length != d)
            throw new ArgumentException($"output has {output?.Length} values, expected {d}", nameof(output));
        if (_centre is not null && _centre.Length != d)
            throw new ArgumentException($"centered-clipping carries a centre of {_centre.Length} coordinates, the rows have {d}", nameof(rows));
        var centre = _centre ?? new float[d];
        var next = _next is { Length: var length } && length == d ? _next : new float[d];
        var distances = new double[n];
        var weights = new double[n];
        var clipFactors = new double[n];

        var used = 0;
        var converged = Tolerance is null;
        while (used < Iterations)
        {
            await rows.SquaredDistancesAsync(centre, distances);
            var weightSum = 0.0;
            for (var i = 0; i < n; i++)
            {
                var distance = Math.Sqrt(distances[i]);
                clipFactors[i] = distance <= Tau ? 1 : Tau / distance;
                weights[i] = clipFactors[i] / n;
                weightSum += weights[i];
            }
            await rows.WeightedSumAsync(weights, next);
            TensorPrimitives.MultiplyAdd(centre, (float)(1 - weightSum), next, next);
            used++;
            var step = Distance(next, centre);
            (centre, next) = (next, centre);
            if (Tolerance is { } tolerance && step <= tolerance * Tau)
            {
                converged = true;
                break;
            }
        }
        _centre = centre;
        _next = next;
        centre.CopyTo(output);

        var total = 0.0;
        foreach (var factor in clipFactors)
            total += factor;
        var reported = report.Weights;
        for (var i = 0; i < n; i++)
            reported[i] = clipFactors[i] / total;
        report.Iterations = used;
        report.Converged = converged;
    }

    /// <summary>Format of <see cref="SaveState"/>; bump it when the layout changes.</summary>
    private const int StateVersion = 1;

    public void SaveState(BinaryWriter writer)
    {
        RuleState.WriteHeader(writer, Name, StateVersion);
        writer.Write(_centre?.Length ?? -1);
        if (_centre is null)
            return;
        foreach (var value in _centre)
            writer.Write(value);
    }

    public void LoadState(BinaryReader reader)
    {
        RuleState.ReadHeader(reader, Name, StateVersion);
        var length = reader.ReadInt32();
        if (length < -1)
            throw new InvalidDataException($"centered-clipping state: invalid centre length {length}");
        if (length == -1)
        {
            _centre = null;
            return;
        }
        var centre = new float[length];
        for (var j = 0; j < length; j++)
            centre[j] = reader.ReadSingle();
        _centre = centre;
    }

    /// <summary>||a - b|| in double, so that rows near the float range cannot overflow the stopping test.</summary>
    private static double Distance(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var j = 0; j < a.Length; j++)
        {
            var difference = (double)a[j] - b[j];
            sum += difference * difference;
        }
        return Math.Sqrt(sum);
    }
}
