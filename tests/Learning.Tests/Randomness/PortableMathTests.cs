using Xunit;

namespace FedActors.Learning.Tests;

public class PortableMathTests
{
    [Fact]
    public void Log_agrees_with_the_runtime_log_to_within_one_ulp()
    {
        var random = new DeterministicRandom(1);
        var inputs = new List<double> { 1.0, 2.0, Math.E, 0.5, 10.0, 1e-300, 1e300, double.MaxValue, double.Epsilon,
            1.0 + 1e-7, 1.0 - 1e-7, 1.0 + 1e-12, Math.Sqrt(2), Math.Sqrt(0.5) };
        for (int i = 0; i < 20_000; i++)
        {
            inputs.Add(random.NextDouble());
            inputs.Add(Math.Exp(700 * (2 * random.NextDouble() - 1)));
        }

        foreach (double x in inputs)
        {
            if (x == 0)
            {
                continue;
            }
            double expected = Math.Log(x);
            double actual = PortableMath.Log(x);
            // Both are within 1 ulp of the true value, so they may differ by one step in either direction.
            Assert.True(actual == expected || Math.BitIncrement(actual) == expected || Math.BitDecrement(actual) == expected,
                $"log({x:R}): portable {actual:R}, runtime {expected:R}");
        }
    }

    [Fact]
    public void Log_handles_the_special_values()
    {
        Assert.Equal(0.0, PortableMath.Log(1.0));
        Assert.Equal(double.NegativeInfinity, PortableMath.Log(0.0));
        Assert.Equal(double.NegativeInfinity, PortableMath.Log(-0.0));
        Assert.True(double.IsNaN(PortableMath.Log(-1.0)));
        Assert.True(double.IsNaN(PortableMath.Log(double.NaN)));
        Assert.Equal(double.PositiveInfinity, PortableMath.Log(double.PositiveInfinity));
        Assert.Equal(Math.Log(double.Epsilon), PortableMath.Log(double.Epsilon), 12);
    }

    [Fact]
    public void Exp_agrees_with_the_runtime_exp_to_within_one_ulp()
    {
        var random = new DeterministicRandom(2);
        // Each branch of the argument reduction: tiny, below 0.5 ln2, below 1.5 ln2 (both signs), general, and the
        // subnormal results below e^-708.
        var inputs = new List<double> { 0.0, -0.0, 1e-30, -1e-30, 0.3, -0.3, 0.9, -0.9, 1.0, -1.0, 700.0, -700.0,
            709.7, -708.5, -740.0, -745.0, Math.Log(2), -Math.Log(2) };
        for (int i = 0; i < 20_000; i++)
        {
            inputs.Add(1490 * random.NextDouble() - 745);
            inputs.Add(2 * random.NextDouble() - 1);
        }

        foreach (double x in inputs)
        {
            double expected = Math.Exp(x);
            double actual = PortableMath.Exp(x);
            Assert.True(actual == expected || Math.BitIncrement(actual) == expected || Math.BitDecrement(actual) == expected,
                $"exp({x:R}): portable {actual:R}, runtime {expected:R}");
        }
    }

    [Fact]
    public void Exp_handles_the_special_values_and_inverts_Log()
    {
        Assert.Equal(1.0, PortableMath.Exp(0.0));
        Assert.Equal(double.PositiveInfinity, PortableMath.Exp(710.0));
        Assert.Equal(double.PositiveInfinity, PortableMath.Exp(double.PositiveInfinity));
        Assert.Equal(0.0, PortableMath.Exp(-746.0));
        Assert.Equal(0.0, PortableMath.Exp(double.NegativeInfinity));
        Assert.True(double.IsNaN(PortableMath.Exp(double.NaN)));
        // e^-745.1 is the smallest subnormal, 2^-1074, after rounding.
        Assert.Equal(double.Epsilon, PortableMath.Exp(-745.1));
        // fdlibm's e^1 is one ulp above the double nearest e, as Java's StrictMath.exp(1.0) (also fdlibm) prints it.
        Assert.Equal(2.7182818284590455, PortableMath.Exp(1.0));
        Assert.Equal(Math.BitIncrement(Math.E), PortableMath.Exp(1.0));
        Assert.Equal(10.0, PortableMath.Exp(PortableMath.Log(10.0)), 14);
    }
}
