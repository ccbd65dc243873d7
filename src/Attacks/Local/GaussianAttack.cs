using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>
/// Gaussian replacement: ignore the honest gradient and report i.i.d. N(mean, std^2) coordinates
/// (the "Gaussian attack" of the Byzantine-robust aggregation literature; a worker that sends noise).
/// </summary>
public sealed class GaussianAttack : ILocalAttack
{
    public GaussianAttack(double mean, double std)
    {
        if (!double.IsFinite(mean))
            throw new ArgumentOutOfRangeException(nameof(mean), mean, "gaussian mean must be finite");
        if (!double.IsFinite(std) || std < 0)
            throw new ArgumentOutOfRangeException(nameof(std), std, "gaussian std must be a non-negative finite number");
        Mean = mean;
        Std = std;
    }

    public string Name => "gaussian";

    public double Mean { get; }

    public double Std { get; }

    public void Forge(ReadOnlySpan<float> honestGradient, Span<float> output, Random random)
    {
        AttackGuard.SameLength(honestGradient, output);
        for (var j = 0; j < output.Length; j++)
            output[j] = (float)(Mean + Std * random.NextGaussian());
    }
}
