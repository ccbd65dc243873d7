using FedActors.Aggregation;
using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>
/// Anti-filter: members hide in the honest rows' norm annulus while all pushing the mean the same way. Each reports
/// mu + s u + noise: u is a unit direction orthogonal to mu, r^2 = (1/k) sum_i ||g_i - mu||^2 is the mean squared
/// distance of the known rows from their mean, s = sqrt(max(0, r^2 - noise^2 d)) and noise ~ N(0, noise^2 I) per member,
/// so E||forged - mu||^2 = r^2 and E||forged||^2 = ||mu||^2 + r^2, the honest rows' own: norm- and distance-based
/// filters cannot tell, and only a spectral filter sees the f rows agreeing along u (the shape of the AntiFilter
/// helper of the spectral filter tests).
/// </summary>
/// <remarks>
/// The direction is fixed for the whole run, which is what makes it a bias rather than noise: a Gaussian d-vector
/// from a generator seeded by <see cref="DirectionSeed"/> (the catalog derives it from the run's seed), then, each
/// round, projected orthogonal to that round's mu and normalised (if the projection vanishes the raw direction is
/// used). The per-member noise is drawn from the round's stream. With one known row r = 0 and members report mu.
/// </remarks>
public sealed class AntiFilterAttack : ICoalitionAttack
{
    public AntiFilterAttack(ulong directionSeed, double noise = 0)
    {
        if (!double.IsFinite(noise) || noise < 0)
            throw new ArgumentOutOfRangeException(nameof(noise), noise, "anti-filter noise must be a non-negative finite number");
        DirectionSeed = directionSeed;
        Noise = noise;
    }

    public string Name => "anti-filter";

    public ulong DirectionSeed { get; }

    public double Noise { get; }

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        var known = new KnownGradients(knowledge.Honest);
        var mean = known.Mean;
        var u = Direction(mean);

        var r2 = 0.0;
        for (var i = 0; i < known.K; i++)
            r2 += known.SquaredDistanceToMean(i);
        r2 /= known.K;
        var s = Math.Sqrt(Math.Max(0, r2 - Noise * Noise * known.D));

        for (var m = 0; m < output.Rows; m++)
        {
            var row = output.Row(m);
            for (var j = 0; j < row.Length; j++)
                row[j] = (float)(mean[j] + s * u[j] + (Noise > 0 ? Noise * random.NextGaussian() : 0));
        }
    }

    /// <summary>The run's direction, made orthogonal to <paramref name="mean"/> and of unit norm.</summary>
    internal double[] Direction(ReadOnlySpan<double> mean)
    {
        var generator = new DeterministicRandom(DirectionSeed);
        var u = new double[mean.Length];
        for (var j = 0; j < u.Length; j++)
            u[j] = generator.NextGaussian();

        var meanSquared = 0.0;
        var along = 0.0;
        for (var j = 0; j < u.Length; j++)
        {
            meanSquared += mean[j] * mean[j];
            along += u[j] * mean[j];
        }
        var projected = (double[])u.Clone();
        if (meanSquared > 0)
        {
            for (var j = 0; j < u.Length; j++)
                projected[j] -= along / meanSquared * mean[j];
        }
        var norm = ForgedRows.Norm(projected);
        if (!(norm > 1e-12 * ForgedRows.Norm(u)))
        {
            projected = u;
            norm = ForgedRows.Norm(u);
        }
        for (var j = 0; j < projected.Length; j++)
            projected[j] /= norm;
        return projected;
    }
}
