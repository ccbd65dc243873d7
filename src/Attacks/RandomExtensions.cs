using FedActors.Learning;

namespace FedActors.Attacks;

internal static class RandomExtensions
{
    /// <summary>
    /// Standard normal draw from any Random. Attacks are handed a <see cref="DeterministicRandom"/> by the
    /// simulator; a plain Random (a notebook user's) still works through Box-Muller on its uniforms.
    /// </summary>
    public static double NextGaussian(this Random random)
    {
        if (random is DeterministicRandom deterministic)
            return deterministic.NextGaussian();
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
