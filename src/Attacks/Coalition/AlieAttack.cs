using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// A Little Is Enough (Baruch, Baruch, Goldberg, NeurIPS 2019): every member reports mu - z * sigma, mu and sigma the
/// coordinate-wise mean and (unbiased) standard deviation of the known honest gradients. The default z is the paper's
/// z_max from n and f: s = floor(n/2 + 1) - f workers must be "won over" beyond the Byzantine ones, and
/// z = Phi^{-1}((n - s) / n) is as far as the forged value can sit while s honest workers are still farther from the
/// mean on the same side, so median- and distance-based rules keep it.
/// </summary>
public sealed class AlieAttack : ICoalitionAttack
{
    /// <param name="z">Fixed z; null derives it from n and f each round (<see cref="ZFromCounts"/>).</param>
    public AlieAttack(double? z = null)
    {
        if (z is { } value && !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(nameof(z), value, "alie z must be finite");
        Z = z;
    }

    public string Name => "alie";

    public double? Z { get; }

    /// <summary>z_max = Phi^{-1}((n - s) / n), s = floor(n/2 + 1) - f; needs 0 &lt; s &lt; n, i.e. f below a majority.</summary>
    public static double ZFromCounts(int n, int f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (f < 0 || f > n)
            throw new ArgumentOutOfRangeException(nameof(f), f, $"f must be in [0, n = {n}]");
        var s = n / 2 + 1 - f;
        if (s <= 0 || s >= n)
            throw new ArgumentOutOfRangeException(nameof(f), f,
                $"alie's z is defined for 0 < s = floor(n/2 + 1) - f < n; n = {n}, f = {f} gives s = {s}");
        return NormalQuantile.Inverse((double)(n - s) / n);
    }

    /// <summary>The z used against <paramref name="knowledge"/>: the configured one, else z_max(n, f).</summary>
    public double ZFor(CoalitionKnowledge knowledge) => Z ?? ZFromCounts(knowledge.TotalWorkers, knowledge.ByzantineCount);

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        var known = new KnownGradients(knowledge.Honest);
        ForgedRows.Fill(output, Forged(known, ZFor(knowledge)));
    }

    internal static double[] Forged(KnownGradients known, double z) => ForgedRows.Along(known.Mean, -z, known.Std);
}
