using System.Numerics.Tensors;

namespace FedActors.Attacks;

/// <summary>
/// Scaled bit flip: report <c>-s * g</c> with a large s (default 100), the "scaled bit flip -100 g" of the
/// block-coordinate geometric median paper (Acharya et al. 2022, section 5). The arithmetic is sign-flip's; it has its
/// own config name and default so a run reproducing that paper says which attack it means.
/// </summary>
public sealed class ScaledAttack : ILocalAttack
{
    public const double DefaultScale = 100.0;

    public ScaledAttack(double scale = DefaultScale)
    {
        if (!double.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "scaled attack scale must be a positive finite number");
        Scale = scale;
    }

    public string Name => "scaled";

    public double Scale { get; }

    public void Forge(ReadOnlySpan<float> honestGradient, Span<float> output, Random random)
    {
        AttackGuard.SameLength(honestGradient, output);
        TensorPrimitives.Multiply(honestGradient, (float)-Scale, output);
    }
}
