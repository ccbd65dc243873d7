namespace FedActors.Attacks;

internal static class AttackGuard
{
    public static void SameLength(ReadOnlySpan<float> honestGradient, Span<float> output)
    {
        if (honestGradient.Length != output.Length)
            throw new ArgumentException(
                $"output has {output.Length} coordinates but the honest gradient has {honestGradient.Length}", nameof(output));
    }
}
