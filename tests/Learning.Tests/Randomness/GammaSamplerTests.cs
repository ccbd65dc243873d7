using Xunit;

namespace FedActors.Learning.Tests;

public class GammaSamplerTests
{
    /// <summary>
    /// Gamma(k, 1) has mean k and variance k. Over N draws the sample mean has standard error sqrt(k / N) and the
    /// sample variance about sqrt((2 k^2 + 6 k) / N) (from the fourth central moment 3 k^2 + 6 k); both must land
    /// within 4 standard errors. Shapes below 1 exercise the u^(1/k) boost.
    /// </summary>
    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    [InlineData(10.0)]
    public void Draws_have_mean_and_variance_equal_to_the_shape(double shape)
    {
        const int n = 200_000;
        var random = new DeterministicRandom(17);
        double sum = 0, sumSquares = 0;
        for (int i = 0; i < n; i++)
        {
            double x = random.NextGamma(shape);
            Assert.True(x >= 0 && double.IsFinite(x), $"draw {x}");
            sum += x;
            sumSquares += x * x;
        }
        double mean = sum / n;
        double variance = (sumSquares - n * mean * mean) / (n - 1);

        double meanError = Math.Sqrt(shape / n);
        double varianceError = Math.Sqrt((2 * shape * shape + 6 * shape) / n);
        Assert.True(Math.Abs(mean - shape) < 4 * meanError, $"mean {mean} vs {shape} (se {meanError})");
        Assert.True(Math.Abs(variance - shape) < 4 * varianceError, $"variance {variance} vs {shape} (se {varianceError})");
    }

    [Fact]
    public void Shape_one_is_the_exponential_distribution()
    {
        // P(X > t) = e^-t for Gamma(1, 1): about 36.8% of draws exceed 1 and 13.5% exceed 2 (se 0.0011 at 200 000 draws).
        var random = new DeterministicRandom(5);
        int aboveOne = 0, aboveTwo = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++)
        {
            double x = random.NextGamma(1.0);
            aboveOne += x > 1 ? 1 : 0;
            aboveTwo += x > 2 ? 1 : 0;
        }
        Assert.Equal(Math.Exp(-1), (double)aboveOne / n, 0.005);
        Assert.Equal(Math.Exp(-2), (double)aboveTwo / n, 0.004);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void The_log_draw_is_the_log_of_the_draw_from_the_same_state(double shape)
    {
        var direct = new DeterministicRandom(9);
        var logged = new DeterministicRandom(9);
        for (int i = 0; i < 1000; i++)
        {
            double x = direct.NextGamma(shape);
            double logX = logged.NextLogGamma(shape);
            if (x > 0)
            {
                Assert.Equal(Math.Log(x), logX, 1e-9 * Math.Max(1, Math.Abs(logX)));
            }
            else
            {
                // Underflowed draw: its logarithm is below that of the smallest subnormal.
                Assert.True(logX < Math.Log(double.Epsilon), $"log draw {logX} for an underflowed draw");
            }
        }
    }

    [Fact]
    public void Draws_are_a_function_of_the_seed()
    {
        var a = new DeterministicRandom(3);
        var b = new DeterministicRandom(3);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(a.NextGamma(0.7), b.NextGamma(0.7));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_shape_that_is_not_positive_and_finite_is_refused(double shape)
    {
        var random = new DeterministicRandom(1);
        Assert.Equal("shape", Assert.Throws<ArgumentOutOfRangeException>(() => random.NextGamma(shape)).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentOutOfRangeException>(() => random.NextLogGamma(shape)).ParamName);
    }
}
