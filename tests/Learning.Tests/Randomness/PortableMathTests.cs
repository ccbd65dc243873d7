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
}
