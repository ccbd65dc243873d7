namespace FedActors.Attacks;

/// <summary>
/// IEEE-754 bit flips, the hardware-fault model: each of the 32 bits of each float32 coordinate of the honest gradient
/// is flipped independently with probability p. The default p = 1/32 flips one bit per coordinate on average. A flip
/// of a high exponent bit turns a small gradient into something of order 1e38, or into infinity or NaN when the
/// exponent becomes all ones: that is intended (a faulty machine does not send finite numbers), and such reports
/// exercise the coordinator's validation exactly like <see cref="NonFiniteAttack"/>.
/// </summary>
/// <remarks>
/// The flip masks are drawn 64 bits (two coordinates) at a time without any per-bit loop: writing p in binary as
/// 0.b1 b2 ... bK (K &lt;= 53; p is rounded down to 53 binary digits), the mask m = 0 is folded with one uniform word
/// r_k per digit from the last to the first, m = b_k ? (m | r_k) : (m &amp; r_k). Each bit of the result is then 1
/// with probability exactly sum_k b_k / 2^k, independently of the other bits. p = 1/32 needs 5 words per two
/// coordinates.
/// </remarks>
public sealed class BitFlipAttack : ILocalAttack
{
    public const double DefaultProbability = 1.0 / 32;

    private readonly bool[] _digits;

    public BitFlipAttack(double probability = DefaultProbability)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "bit-flip probability must be in [0, 1]");
        Probability = probability;
        _digits = BinaryDigits(probability);
    }

    public string Name => "bit-flip";

    public double Probability { get; }

    public void Forge(ReadOnlySpan<float> honestGradient, Span<float> output, Random random)
    {
        AttackGuard.SameLength(honestGradient, output);
        for (var j = 0; j < output.Length; j += 2)
        {
            var mask = NextMask(random);
            output[j] = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(honestGradient[j]) ^ (uint)mask);
            if (j + 1 < output.Length)
                output[j + 1] = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(honestGradient[j + 1]) ^ (uint)(mask >> 32));
        }
    }

    /// <summary>64 independent Bernoulli(p) bits.</summary>
    internal ulong NextMask(Random random)
    {
        if (Probability == 1)
            return ulong.MaxValue;
        var mask = 0UL;
        for (var k = _digits.Length - 1; k >= 0; k--)
        {
            var word = random.NextBits64();
            mask = _digits[k] ? mask | word : mask & word;
        }
        return mask;
    }

    /// <summary>b_1 .. b_K of p = 0.b1 b2 ... (K the position of the last 1, at most 53); empty for p = 0.</summary>
    private static bool[] BinaryDigits(double probability)
    {
        var digits = new List<bool>();
        var rest = probability;
        while (rest > 0 && digits.Count < 53)
        {
            rest *= 2;
            var digit = rest >= 1;
            if (digit)
                rest -= 1;
            digits.Add(digit);
        }
        return digits.ToArray();
    }
}
