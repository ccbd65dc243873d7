using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// The saddle-point attack against ByzantinePGD (Yin, Chen, Ramchandran, Bartlett, ICML 2019): near a saddle point the
/// coalition tries to make the aggregate vanish, so plain robust gradient descent believes it has converged and stops
/// there. Every member reports -c * mu (mu the mean of the known honest gradients), c &gt;= 0:
/// <list type="bullet">
/// <item>with a pipeline factory, c in [0, maxScale] minimising ||aggregate(known rows + forged rows)||, found by a
/// <see cref="LineSearch"/> (on minus the norm); maxScale defaults to 2 (n - f) / f;</item>
/// <item>without one, the closed form for the mean, c = (n - f) / f: (n - f) honest rows averaging mu and f rows at
/// -c mu average to exactly 0.</item>
/// </list>
/// The closed form is always a candidate of the search, so against any rule the search does at least as well as it.
/// <para>With <see cref="SaddleMode.CoordinateMedian"/> the coalition instead sets each coordinate on its own against
/// the coordinate-wise median: with noisy honest gradients one vector -c mu leaves some coordinates' medians short of 0
/// and pushes others past it, and this form holds a noisy run at a saddle 1.5-2 times as long (docs/RESULTS.md, the
/// saddle experiment). In coordinate j every member
/// reports the one value t that puts the median of the n values (the mean of the two middle ones for even n) exactly
/// at 0 when f values can, and otherwise as close to 0 as any f values can (<see cref="MedianTarget"/>). The honest
/// values are the known rows when the coalition knows all n - f of them (<c>knowledge = omniscient</c>); otherwise the
/// n - f order statistics are read off the known rows' quantiles.</para>
/// </summary>
public sealed class SaddleAttack : ICoalitionAttack
{
    /// <param name="maxScale">Upper end of the search for c; null: 2 (n - f) / f of the round.</param>
    /// <param name="mode">The family the coalition forges from.</param>
    public SaddleAttack(double? maxScale = null, LineSearch? search = null, SaddleMode mode = SaddleMode.ScaledMean)
    {
        if (maxScale is { } value && (!double.IsFinite(value) || value <= 0))
            throw new ArgumentOutOfRangeException(nameof(maxScale), value, "saddle max-scale must be a positive finite number");
        if (!Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown saddle mode");
        MaxScale = maxScale;
        Search = search ?? new LineSearch();
        Mode = mode;
    }

    public string Name => "saddle";

    public double? MaxScale { get; }

    public SaddleMode Mode { get; }

    private static readonly string[] Modes = ["scaled-mean", "coordinate-median"];

    /// <summary>The config names of <see cref="SaddleMode"/>, in its order.</summary>
    public static IReadOnlyList<string> ModeNames => Modes;

    /// <summary>The mode named <paramref name="name"/> in config (see <see cref="ModeNames"/>).</summary>
    public static SaddleMode ParseMode(string name) => Array.IndexOf(Modes, name) is var index and >= 0
        ? (SaddleMode)index
        : throw new ArgumentException($"saddle mode must be one of {string.Join(", ", ModeNames)}, not '{name}'", nameof(name));

    public LineSearch Search { get; }

    /// <summary>c = (n - f) / f, which zeroes the mean of n - f rows at mu and f rows at -c mu.</summary>
    public static double ClosedFormScale(int n, int f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(f);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, f);
        return (double)(n - f) / f;
    }

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        if (knowledge.ByzantineCount == 0)
            throw new ArgumentException("saddle needs at least one Byzantine worker in the round (f = 0)", nameof(knowledge));
        if (Mode == SaddleMode.CoordinateMedian)
        {
            ForgeAgainstTheMedian(knowledge, output);
            return;
        }
        var known = new KnownGradients(knowledge.Honest);
        var closedForm = ClosedFormScale(knowledge.TotalWorkers, knowledge.ByzantineCount);
        var scale = closedForm;
        if (knowledge.PipelineFactory is { } factory)
        {
            var round = new SimulatedRound(knowledge, output.Rows, factory, random);
            var high = MaxScale ?? Math.Max(2 * closedForm, 1);
            (scale, _) = Search.Maximize(c => -round.Distance(IpmAttack.Forged(known, c), null), 0, high, Math.Min(closedForm, high));
        }
        ForgedRows.Fill(output, IpmAttack.Forged(known, scale));
    }

    /// <summary>The coordinate-median family (see the class remarks), one coordinate at a time.</summary>
    private static void ForgeAgainstTheMedian(CoalitionKnowledge knowledge, GradientMatrix output)
    {
        var honest = knowledge.Honest;
        var known = honest.Rows;
        var population = knowledge.TotalWorkers - knowledge.ByzantineCount;
        if (population == 0)
        {
            // No honest row in the round: the median is the forged values' own.
            for (var m = 0; m < output.Rows; m++)
                output.Row(m).Clear();
            return;
        }
        var column = new float[known];
        var order = new float[population];
        for (var j = 0; j < honest.Columns; j++)
        {
            for (var i = 0; i < known; i++)
                column[i] = honest.RowView(i)[j];
            Array.Sort(column);
            // Known rows as the honest population: itself when complete, its quantiles otherwise.
            for (var r = 0; r < population; r++)
                order[r] = column[(int)((r + 0.5) * known / population)];
            var value = MedianTarget(order.AsSpan(0, population), output.Rows);
            for (var m = 0; m < output.Rows; m++)
                output.Row(m)[j] = value;
        }
    }

    /// <summary>
    /// The value t that <paramref name="forged"/> rows all send so that the median of them and the sorted
    /// <paramref name="honest"/> values lies closest to 0.
    /// </summary>
    /// <remarks>
    /// The median is a continuous nondecreasing function of t, from its value with every forged row below the honest
    /// ones (t = the smallest) to its value with every one above (t = the largest), and no placement of f values can
    /// take it outside that range. Inside it a root exists, where the two middle positions i1 &lt;= i2 of the n values
    /// hold either t twice (t = 0), t and the honest value then at i2 (t = -h[i2 - f]), or the honest value then at i1
    /// and t (t = -h[i1]); those three and the two ends are the candidates, each checked by computing the median.
    /// </remarks>
    internal static float MedianTarget(ReadOnlySpan<float> honest, int forged)
    {
        var n = honest.Length + forged;
        var (low, high) = ((n - 1) / 2, n / 2);
        Span<float> candidates = stackalloc float[5];
        var count = 0;
        candidates[count++] = 0;
        if (high - forged >= 0 && high - forged < honest.Length)
            candidates[count++] = -honest[high - forged];
        if (low < honest.Length)
            candidates[count++] = -honest[low];
        candidates[count++] = honest[0];
        candidates[count++] = honest[^1];
        var best = candidates[0];
        var bestDistance = Math.Abs(MedianWith(honest, forged, best));
        for (var c = 1; c < count; c++)
        {
            var distance = Math.Abs(MedianWith(honest, forged, candidates[c]));
            if (distance < bestDistance)
                (best, bestDistance) = (candidates[c], distance);
        }
        return best;
    }

    /// <summary>The median (the mean of the two middle values for even n, in double) of the sorted honest values and
    /// <paramref name="forged"/> copies of <paramref name="value"/>.</summary>
    internal static double MedianWith(ReadOnlySpan<float> honest, int forged, float value)
    {
        var below = 0;
        while (below < honest.Length && honest[below] < value)
            below++;
        var n = honest.Length + forged;
        return ((double)At(honest, (n - 1) / 2) + At(honest, n / 2)) / 2;

        float At(ReadOnlySpan<float> sorted, int position) =>
            position < below ? sorted[position] : position < below + forged ? value : sorted[position - forged];
    }
}

/// <summary>What the saddle attack's coalition forges from.</summary>
public enum SaddleMode
{
    /// <summary>-c mu, one vector for every member, c searched against the run's rule (the default).</summary>
    ScaledMean,

    /// <summary>Each coordinate on its own against the coordinate-wise median.</summary>
    CoordinateMedian,
}
