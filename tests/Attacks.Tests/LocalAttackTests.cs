using FedActors.Attacks;
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
    public void Sign_flip_rejects_a_scale_that_is_not_positive(double scale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SignFlipAttack(scale));

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
    public void Attacks_reject_an_output_of_the_wrong_length()
    {
        Assert.Throws<ArgumentException>(() => new SignFlipAttack(1).Forge(new float[3], new float[4], new DeterministicRandom(1)));
        Assert.Throws<ArgumentException>(() => new GaussianAttack(0, 1).Forge(new float[3], new float[2], new DeterministicRandom(1)));
    }

    [Fact]
    public void Catalog_creates_by_config_name_and_names_the_known_attacks_on_a_typo()
    {
        var parameters = new AttackParameters(SignFlipScale: 4, GaussianMean: 1, GaussianStd: 2);

        Assert.Null(AttackCatalog.Create("none", parameters));
        Assert.Equal(4, Assert.IsType<SignFlipAttack>(AttackCatalog.Create("sign-flip", parameters)).Scale);
        var gaussian = Assert.IsType<GaussianAttack>(AttackCatalog.Create("gaussian", parameters));
        Assert.Equal((1.0, 2.0), (gaussian.Mean, gaussian.Std));

        var error = Assert.Throws<ArgumentException>(() => AttackCatalog.Create("sign-flp", parameters));
        Assert.Contains("sign-flp", error.Message);
        Assert.Contains("sign-flip", error.Message);
    }
}
