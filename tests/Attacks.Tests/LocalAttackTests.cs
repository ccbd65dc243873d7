using FedActors.Learning;
using Xunit;

namespace FedActors.Attacks.Tests;

public class LocalAttackTests
{
    [Fact]
    public void Sign_flip_reports_minus_scale_times_the_gradient()
    {
        var attack = new SignFlipAttack(scale: 10);
        float[] honest = [1f, -2f, 0f, 0.5f];
        var output = new float[4];

        attack.Forge(honest, output, new DeterministicRandom(1));

        Assert.Equal([-10f, 20f, 0f, -5f], output);
    }

    [Fact]
    public void Sign_flip_with_scale_one_is_the_negated_gradient_at_every_length()
    {
        // Lengths around the vector width exercise the SIMD body and the scalar tail.
        foreach (var length in new[] { 1, 7, 8, 9, 31, 33, 257 })
        {
            var honest = Enumerable.Range(0, length).Select(i => (float)(i * 0.25 - 3)).ToArray();
            var output = new float[length];
            new SignFlipAttack(1).Forge(honest, output, new DeterministicRandom(1));
            Assert.Equal(honest.Select(v => -v), output);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Sign_flip_and_scaled_reject_a_scale_that_is_not_positive(double scale)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SignFlipAttack(scale));
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => new ScaledAttack(scale)).ParamName);
    }

    [Fact]
    public void Scaled_reports_minus_100_g_by_default()
    {
        var output = new float[3];
        new ScaledAttack().Forge([0.5f, -0.25f, 2f], output, new DeterministicRandom(1));
        Assert.Equal([-50f, 25f, -200f], output);
        Assert.Equal("scaled", new ScaledAttack().Name);
    }

    [Fact]
    public void Gaussian_ignores_the_gradient_and_draws_the_configured_moments()
    {
        const int d = 200_000;
        var attack = new GaussianAttack(mean: 3, std: 2);
        var honest = Enumerable.Repeat(1000f, d).ToArray();
        var output = new float[d];

        attack.Forge(honest, output, new DeterministicRandom(7));

        var mean = output.Average(v => (double)v);
        var variance = output.Average(v => (v - mean) * (v - mean));
        // Standard error of the mean is 2/sqrt(2e5) = 0.0045; of the variance about 4*sqrt(2/2e5) = 0.013.
        Assert.InRange(mean, 3 - 0.03, 3 + 0.03);
        Assert.InRange(variance, 4 - 0.08, 4 + 0.08);
    }

    [Fact]
    public void Gaussian_is_reproducible_from_the_random_stream()
    {
        var attack = new GaussianAttack(0, 1);
        var first = new float[64];
        var second = new float[64];
        var other = new float[64];

        attack.Forge(new float[64], first, new DeterministicRandom(5));
        attack.Forge(new float[64], second, new DeterministicRandom(5));
        attack.Forge(new float[64], other, new DeterministicRandom(6));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Additive_noise_adds_sigma_times_the_streams_normals_to_the_gradient()
    {
        float[] honest = [1f, -2f, 0f, 3.5f, 7f];
        var output = new float[5];
        new AdditiveNoiseAttack(sigma: 10).Forge(honest, output, new DeterministicRandom(11));

        // The same stream's normals, drawn independently of the attack: output_j = g_j + 10 z_j.
        var normals = new DeterministicRandom(11);
        for (var j = 0; j < 5; j++)
            Assert.Equal((float)(honest[j] + 10 * normals.NextGaussian()), output[j]);
        Assert.Equal(10, new AdditiveNoiseAttack().Sigma);
    }

    [Fact]
    public void Only_fixed_additive_noise_asks_for_the_same_stream_every_round()
    {
        Assert.False(new AdditiveNoiseAttack().DrawsOnce);
        Assert.True(new AdditiveNoiseAttack(drawsOnce: true).DrawsOnce);
        Assert.False(((ILocalAttack)new ScaledAttack()).DrawsOnce);
    }

    [Fact]
    public void Zero_reports_zeros_whatever_the_gradient()
    {
        var output = new float[] { 9, 9, 9 };
        new ZeroAttack().Forge([1f, -1f, 5f], output, new DeterministicRandom(1));
        Assert.Equal([0f, 0f, 0f], output);
    }

    [Fact]
    public void Nonfinite_nan_and_inf_modes_replace_every_coordinate()
    {
        float[] honest = [1f, -2f, 0f, -0f];
        var nan = new float[4];
        var inf = new float[4];
        new NonFiniteAttack(NonFiniteMode.Nan).Forge(honest, nan, new DeterministicRandom(1));
        new NonFiniteAttack(NonFiniteMode.Inf).Forge(honest, inf, new DeterministicRandom(1));

        Assert.All(nan, v => Assert.True(float.IsNaN(v)));
        // Infinity with the honest coordinate's sign; zeros of either sign overflow to +inf.
        Assert.Equal([float.PositiveInfinity, float.NegativeInfinity, float.PositiveInfinity, float.PositiveInfinity], inf);
    }

    [Fact]
    public void Nonfinite_mixed_breaks_exactly_one_coordinate_and_keeps_the_rest()
    {
        var honest = Enumerable.Range(0, 50).Select(i => (float)i - 20).ToArray();
        var broken = new HashSet<int>();
        for (ulong seed = 0; seed < 40; seed++)
        {
            var output = new float[50];
            new NonFiniteAttack(NonFiniteMode.Mixed).Forge(honest, output, new DeterministicRandom(seed));
            var bad = Enumerable.Range(0, 50).Where(j => !float.IsFinite(output[j])).ToArray();
            Assert.Single(bad);
            broken.Add(bad[0]);
            Assert.All(Enumerable.Range(0, 50).Where(j => j != bad[0]), j => Assert.Equal(honest[j], output[j]));
        }
        // 40 draws over 50 coordinates: the coordinate is drawn, not fixed.
        Assert.True(broken.Count > 10);
        Assert.Equal(NonFiniteMode.Mixed, NonFiniteAttack.ParseMode("mixed"));
        Assert.Equal("mode", Assert.Throws<ArgumentException>(() => NonFiniteAttack.ParseMode("NaN")).ParamName);
    }

    [Fact]
    public void Bit_flip_with_probability_zero_is_the_identity_and_one_flips_every_bit()
    {
        float[] honest = [1f, -2.5f, 0f, 1e-30f, 3f];
        var same = new float[5];
        var flipped = new float[5];
        new BitFlipAttack(0).Forge(honest, same, new DeterministicRandom(1));
        new BitFlipAttack(1).Forge(honest, flipped, new DeterministicRandom(1));

        Assert.Equal(honest, same);
        for (var j = 0; j < 5; j++)
            Assert.Equal(~BitConverter.SingleToUInt32Bits(honest[j]), BitConverter.SingleToUInt32Bits(flipped[j]));
    }

    [Theory]
    [InlineData(1.0 / 32)]
    [InlineData(0.75)]
    [InlineData(0.3)]
    public void Bit_flip_flips_each_bit_position_with_probability_p(double p)
    {
        // 20001 coordinates (odd: the last one uses half a mask). Per bit position the flip count is
        // Binomial(20001, p): standard deviation at most sqrt(20001 / 4) = 71; allow 5 of them.
        const int d = 20_001;
        var honest = Enumerable.Range(0, d).Select(i => (float)Math.Sin(i)).ToArray();
        var output = new float[d];
        new BitFlipAttack(p).Forge(honest, output, new DeterministicRandom(3));

        var perPosition = new int[32];
        for (var j = 0; j < d; j++)
        {
            var flips = BitConverter.SingleToUInt32Bits(honest[j]) ^ BitConverter.SingleToUInt32Bits(output[j]);
            for (var bit = 0; bit < 32; bit++)
                perPosition[bit] += (int)((flips >> bit) & 1);
        }
        var sd = Math.Sqrt(d * p * (1 - p));
        Assert.All(perPosition, count => Assert.InRange(count, d * p - 5 * sd, d * p + 5 * sd));
    }

    [Fact]
    public void Bit_flip_is_reproducible_and_rejects_probabilities_outside_0_1()
    {
        var honest = Enumerable.Range(0, 33).Select(i => i * 0.1f).ToArray();
        var a = new float[33];
        var b = new float[33];
        new BitFlipAttack().Forge(honest, a, new DeterministicRandom(9));
        new BitFlipAttack().Forge(honest, b, new DeterministicRandom(9));
        Assert.Equal(a.Select(BitConverter.SingleToUInt32Bits), b.Select(BitConverter.SingleToUInt32Bits));
        Assert.Equal(1.0 / 32, new BitFlipAttack().Probability);
        Assert.Equal("probability", Assert.Throws<ArgumentOutOfRangeException>(() => new BitFlipAttack(1.5)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitFlipAttack(double.NaN));
    }

    [Fact]
    public void Attacks_reject_an_output_of_the_wrong_length()
    {
        ILocalAttack[] attacks =
        [
            new SignFlipAttack(1), new GaussianAttack(0, 1), new ScaledAttack(), new AdditiveNoiseAttack(), new ZeroAttack(),
            new NonFiniteAttack(), new BitFlipAttack(),
        ];
        foreach (var attack in attacks)
            Assert.Throws<ArgumentException>(() => attack.Forge(new float[3], new float[4], new DeterministicRandom(1)));
    }
}
