namespace FedActors.Learning;

/// <summary>
/// Portable deterministic PRNG: xoshiro256** (Blackman and Vigna 2018) whose 256-bit state is filled by SplitMix64
/// from a 64-bit seed. Every public member of <see cref="Random"/> that draws numbers is overridden with a fixed
/// algorithm (Lemire's multiply-and-reject for bounded integers, 53/24 top bits for doubles/floats, the Marsaglia polar
/// method over a portable logarithm for Gaussians), so sequences are identical on every platform and .NET version.
/// Not thread-safe: one instance per consumer; use <see cref="ForStream"/> to give each consumer its own stream.
/// </summary>
public sealed class DeterministicRandom : Random
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spareGaussian;
    private bool _hasSpareGaussian;

    // base(0) rather than base(): the parameterless base constructor would draw a seed from the shared global RNG
    // for a legacy implementation that none of the overrides below ever uses.
    public DeterministicRandom(ulong seed) : base(0)
    {
        ulong state = seed;
        _s0 = SplitMix64.Next(ref state);
        _s1 = SplitMix64.Next(ref state);
        _s2 = SplitMix64.Next(ref state);
        _s3 = SplitMix64.Next(ref state);
    }

    /// <summary>Raw state, for checking the generator against the published reference vectors.</summary>
    internal DeterministicRandom(ulong s0, ulong s1, ulong s2, ulong s3) : base(0)
    {
        if ((s0 | s1 | s2 | s3) == 0)
        {
            throw new ArgumentException("The all-zero state is a fixed point of xoshiro256**.");
        }
        _s0 = s0;
        _s1 = s1;
        _s2 = s2;
        _s3 = s3;
    }

    /// <summary>Writes the generator's position (state and the cached Gaussian), for a checkpoint.</summary>
    public void SaveState(BinaryWriter writer)
    {
        writer.Write(_s0);
        writer.Write(_s1);
        writer.Write(_s2);
        writer.Write(_s3);
        writer.Write(_spareGaussian);
        writer.Write(_hasSpareGaussian);
    }

    /// <summary>Continues from a position <see cref="SaveState"/> wrote: the same numbers follow.</summary>
    public void LoadState(BinaryReader reader)
    {
        _s0 = reader.ReadUInt64();
        _s1 = reader.ReadUInt64();
        _s2 = reader.ReadUInt64();
        _s3 = reader.ReadUInt64();
        _spareGaussian = reader.ReadDouble();
        _hasSpareGaussian = reader.ReadBoolean();
        if ((_s0 | _s1 | _s2 | _s3) == 0)
            throw new InvalidDataException("the saved generator state is all zero, which xoshiro256** never reaches");
    }

    /// <summary>An independent stream for a path of ids: seeded with <see cref="SeedMixer.Derive"/>(seed, path).</summary>
    public static DeterministicRandom ForStream(ulong seed, params ReadOnlySpan<ulong> path) =>
        new(SeedMixer.Derive(seed, path));

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>
    /// Standard normal draw by the Marsaglia polar method. Each accepted pair yields two normals; the second is cached
    /// and returned by the next call, so the cache is part of the stream's state.
    /// </summary>
    public double NextGaussian()
    {
        if (_hasSpareGaussian)
        {
            _hasSpareGaussian = false;
            return _spareGaussian;
        }

        double u, v, s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        }
        while (s >= 1.0 || s == 0.0);

        double m = Math.Sqrt(-2.0 * PortableMath.Log(s) / s);
        _spareGaussian = v * m;
        _hasSpareGaussian = true;
        return u * m;
    }

    /// <summary>
    /// Gamma(shape, 1) draw by Marsaglia and Tsang (ACM TOMS 2000): for shape &gt;= 1, d = shape - 1/3,
    /// c = 1 / sqrt(9 d); draw x ~ N(0, 1) until v = (1 + c x)^3 &gt; 0, accept d v when u &lt; 1 - 0.0331 x^4 or
    /// log u &lt; x^2 / 2 + d (1 - v + log v). For shape &lt; 1 it returns Gamma(shape + 1) * u^(1 / shape) (the
    /// paper's boost). Logarithms and powers go through <see cref="PortableMath"/>, so draws are the same everywhere.
    /// </summary>
    public double NextGamma(double shape)
    {
        CheckShape(shape);
        if (shape >= 1.0)
        {
            return MarsagliaTsang(shape);
        }
        double boosted = MarsagliaTsang(shape + 1.0);
        return boosted * PortableMath.Exp(PortableMath.Log(NextOpenUnit()) / shape);
    }

    /// <summary>
    /// The natural logarithm of a Gamma(shape, 1) draw, the same draw <see cref="NextGamma"/> would make from this
    /// state; finite even for shapes so small that the draw itself underflows to 0 (u^(1/shape) below 2^-1074).
    /// </summary>
    public double NextLogGamma(double shape)
    {
        CheckShape(shape);
        if (shape >= 1.0)
        {
            return PortableMath.Log(MarsagliaTsang(shape));
        }
        double boosted = MarsagliaTsang(shape + 1.0);
        return PortableMath.Log(boosted) + PortableMath.Log(NextOpenUnit()) / shape;
    }

    private static void CheckShape(double shape)
    {
        if (!(shape > 0.0) || double.IsPositiveInfinity(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "The Gamma shape must be positive and finite.");
        }
    }

    private double MarsagliaTsang(double shape)
    {
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextGaussian();
                v = 1.0 + c * x;
            }
            while (v <= 0.0);
            v = v * v * v;
            double u = NextOpenUnit();
            double x2 = x * x;
            // The squeeze accepts about 98% of proposals without a logarithm.
            if (u < 1.0 - 0.0331 * x2 * x2)
            {
                return d * v;
            }
            if (PortableMath.Log(u) < 0.5 * x2 + d * (1.0 - v + PortableMath.Log(v)))
            {
                return d * v;
            }
        }
    }

    /// <summary>Uniform on (0, 1]: never 0, so its logarithm is finite.</summary>
    private double NextOpenUnit() => 1.0 - NextDouble();

    /// <summary>Uniform in [0, int.MaxValue).</summary>
    public override int Next() => (int)NextBounded(int.MaxValue);

    /// <summary>Uniform in [0, maxValue); 0 when maxValue is 0.</summary>
    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)NextBounded((ulong)maxValue);
    }

    /// <summary>Uniform in [minValue, maxValue); minValue when they are equal.</summary>
    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return (int)(minValue + (long)NextBounded((ulong)((long)maxValue - minValue)));
    }

    /// <summary>Uniform in [0, long.MaxValue).</summary>
    public override long NextInt64() => (long)NextBounded(long.MaxValue);

    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (long)NextBounded((ulong)maxValue);
    }

    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        ulong range = unchecked((ulong)maxValue - (ulong)minValue);
        return unchecked((long)((ulong)minValue + NextBounded(range)));
    }

    /// <summary>Uniform on the 2^53 multiples of 2^-53 in [0, 1).</summary>
    public override double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on the 2^24 multiples of 2^-24 in [0, 1).</summary>
    public override float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1U << 24));

    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    /// <summary>Fills with little-endian 64-bit draws; a trailing partial word consumes one whole draw.</summary>
    public override void NextBytes(Span<byte> buffer)
    {
        while (buffer.Length >= sizeof(ulong))
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buffer, NextUInt64());
            buffer = buffer[sizeof(ulong)..];
        }
        if (!buffer.IsEmpty)
        {
            Span<byte> last = stackalloc byte[sizeof(ulong)];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(last, NextUInt64());
            last[..buffer.Length].CopyTo(buffer);
        }
    }

    protected override double Sample() => NextDouble();

    /// <summary>
    /// Uniform in [0, range) by Lemire's nearly-divisionless method (ACM TOMS 2019): the high word of draw * range,
    /// rejecting the few low words that would bias it. Returns 0 for range 0 or 1.
    /// </summary>
    private ulong NextBounded(ulong range)
    {
        ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
        if (low < range)
        {
            ulong threshold = (0UL - range) % range;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), range, out low);
            }
        }
        return high;
    }
}
