using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// Inner Product Manipulation (Xie, Koyejo, Gupta, UAI 2020): every member reports -epsilon * mu, mu the mean of the
/// known honest gradients, so that the aggregate's inner product with the true gradient turns negative. The paper
/// uses a small epsilon (0.1) against median-type rules, where the forged rows must stay close to the honest ones to
/// drag the coordinate-wise order statistics, and a large one (about n / f) against the mean; the default is the small one.
/// </summary>
public sealed class IpmAttack : ICoalitionAttack
{
    public const double DefaultEpsilon = 0.1;

    public IpmAttack(double epsilon = DefaultEpsilon)
    {
        if (!double.IsFinite(epsilon) || epsilon < 0)
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ipm epsilon must be a non-negative finite number");
        Epsilon = epsilon;
    }

    public string Name => "ipm";

    public double Epsilon { get; }

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        ForgedRows.Fill(output, Forged(new KnownGradients(knowledge.Honest), Epsilon));
    }

    internal static double[] Forged(KnownGradients known, double epsilon)
    {
        var forged = new double[known.D];
        var mean = known.Mean;
        for (var j = 0; j < forged.Length; j++)
            forged[j] = -epsilon * mean[j];
        return forged;
    }
}
