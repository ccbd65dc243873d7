namespace FedActors.Attacks;

/// <summary>
/// Gradient additive noise: report <c>g + N(0, sigma^2 I)</c> (Acharya et al. 2022, "gradient additive noise with
/// standard deviation 10"). Unlike <see cref="GaussianAttack"/> the honest signal stays in the report, so the row is
/// unbiased and only its variance is inflated, unless <see cref="DrawsOnce"/>: then each worker adds the same noise
/// vector every round, which is what the paper's reference code does (it reseeds NumPy before every attack, so the
/// same rows draw the same noise at every step), and the row carries a fixed offset.
/// </summary>
public sealed class AdditiveNoiseAttack : ILocalAttack
{
    public const double DefaultSigma = 10.0;

    public AdditiveNoiseAttack(double sigma = DefaultSigma, bool drawsOnce = false)
    {
        if (!double.IsFinite(sigma) || sigma < 0)
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "additive-noise sigma must be a non-negative finite number");
        Sigma = sigma;
        DrawsOnce = drawsOnce;
    }

    public string Name => "additive-noise";

    public double Sigma { get; }

    public bool DrawsOnce { get; }

    public void Forge(ReadOnlySpan<float> honestGradient, Span<float> output, Random random)
    {
        AttackGuard.SameLength(honestGradient, output);
        for (var j = 0; j < output.Length; j++)
            output[j] = (float)(honestGradient[j] + Sigma * random.NextGaussian());
    }
}
