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

    /// <summary>64 uniform bits: the generator's raw word when it has one, else 8 bytes of a plain Random.</summary>
    public static ulong NextBits64(this Random random)
    {
        if (random is DeterministicRandom deterministic)
            return deterministic.NextUInt64();
        Span<byte> bytes = stackalloc byte[8];
        random.NextBytes(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    /// <summary>A 64-bit seed for a child stream, so work that needs its own generator still draws only from this one.</summary>
    public static ulong NextSeed(this Random random) => random.NextBits64();

    /// <summary>
    /// The first <paramref name="count"/> entries of a uniform random permutation of 0..n-1 (partial Fisher-Yates),
    /// written into the front of <paramref name="indices"/> (length n, overwritten).
    /// </summary>
    public static void ChooseWithoutReplacement(this Random random, Span<int> indices, int count)
    {
        for (var i = 0; i < indices.Length; i++)
            indices[i] = i;
        for (var i = 0; i < count; i++)
        {
            var j = i + random.Next(indices.Length - i);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
    }
}
