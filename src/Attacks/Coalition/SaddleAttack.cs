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
/// </summary>
public sealed class SaddleAttack : ICoalitionAttack
{
    /// <param name="maxScale">Upper end of the search for c; null: 2 (n - f) / f of the round.</param>
    public SaddleAttack(double? maxScale = null, LineSearch? search = null)
    {
        if (maxScale is { } value && (!double.IsFinite(value) || value <= 0))
            throw new ArgumentOutOfRangeException(nameof(maxScale), value, "saddle max-scale must be a positive finite number");
        MaxScale = maxScale;
        Search = search ?? new LineSearch();
    }

    public string Name => "saddle";

    public double? MaxScale { get; }

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
}
