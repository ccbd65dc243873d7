namespace FedActors.Attacks;

/// <summary>
/// Report the zero vector: a worker that contributes nothing (a free rider, or a crashed worker that still answers).
/// Against the mean it shrinks the step by (n - q) / n; robust rules should ignore it.
/// </summary>
public sealed class ZeroAttack : ILocalAttack
{
    public string Name => "zero";

    public void Forge(ReadOnlySpan<float> honestGradient, Span<float> output, Random random)
    {
        AttackGuard.SameLength(honestGradient, output);
        output.Clear();
    }
}
