using System.Numerics.Tensors;

namespace FedActors.Attacks;

/// <summary>
/// Sign flip: report <c>-s * g</c>. With s = 1 it only slows a plain mean down (the mean of m honest and
/// q flipped rows is (m - q) / (m + q) times the honest mean); s large enough that q*s &gt; m turns the mean
/// into gradient ascent, the classic demonstration that averaging is not robust.
/// </summary>
public sealed class SignFlipAttack : ILocalAttack
{
    public SignFlipAttack(double scale)
    {
        if (!double.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "sign-flip scale must be a positive finite number");
        Scale = scale;
    }

    public string Name => "sign-flip";

    public double Scale { get; }

    public void Forge(ReadOnlySpan<float> honestGradient, Span<float> output, Random random)
    {
        AttackGuard.SameLength(honestGradient, output);
        TensorPrimitives.Multiply(honestGradient, (float)-Scale, output);
    }
}
