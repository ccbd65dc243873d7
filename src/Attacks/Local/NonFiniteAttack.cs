namespace FedActors.Attacks;

/// <summary>Which non-finite values <see cref="NonFiniteAttack"/> reports.</summary>
public enum NonFiniteMode
{
    /// <summary>Every coordinate NaN.</summary>
    Nan,

    /// <summary>Every coordinate infinite, with the sign of the honest coordinate (+inf for +0 and -0 alike): an overflow.</summary>
    Inf,

    /// <summary>
    /// The honest gradient with one coordinate, drawn uniformly, replaced by NaN, +inf or -inf (drawn uniformly):
    /// the case a validator that samples coordinates, or only checks the norm's first few terms, would miss.
    /// </summary>
    Mixed,
}

/// <summary>
/// Reports NaN or infinite coordinates. This is not an attack on a rule: the coordinator must reject such a report
/// (reason <c>NonFinite</c>) before any rule sees it, and a run with this attack tests exactly that validation; a
/// rule handed a non-finite row throws rather than aggregating it.
/// </summary>
public sealed class NonFiniteAttack : ILocalAttack
{
    public NonFiniteAttack(NonFiniteMode mode = NonFiniteMode.Nan)
    {
        if (!Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "nonfinite mode must be nan, inf or mixed");
        Mode = mode;
    }

    public string Name => "nonfinite";

    public NonFiniteMode Mode { get; }

    /// <summary>The config spelling of a mode: nan | inf | mixed.</summary>
    public static NonFiniteMode ParseMode(string mode) => mode switch
    {
        "nan" => NonFiniteMode.Nan,
        "inf" => NonFiniteMode.Inf,
        "mixed" => NonFiniteMode.Mixed,
        _ => throw new ArgumentException($"unknown nonfinite mode '{mode}'; known modes: nan, inf, mixed", nameof(mode)),
    };

    public void Forge(ReadOnlySpan<float> honestGradient, Span<float> output, Random random)
    {
        AttackGuard.SameLength(honestGradient, output);
        switch (Mode)
        {
            case NonFiniteMode.Nan:
                output.Fill(float.NaN);
                break;
            case NonFiniteMode.Inf:
                for (var j = 0; j < output.Length; j++)
                    output[j] = honestGradient[j] < 0 ? float.NegativeInfinity : float.PositiveInfinity;
                break;
            default:
                honestGradient.CopyTo(output);
                if (output.Length == 0)
                    break;
                var coordinate = random.Next(output.Length);
                output[coordinate] = random.Next(3) switch
                {
                    0 => float.NaN,
                    1 => float.PositiveInfinity,
                    _ => float.NegativeInfinity,
                };
                break;
        }
    }
}
