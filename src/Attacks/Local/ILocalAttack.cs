namespace FedActors.Attacks;

/// <summary>
/// An attack that needs nothing but the Byzantine worker itself: it turns the worker's own honest gradient
/// into the vector the worker reports. Colluding attacks, which see other workers' gradients, are computed
/// by the coalition instead and do not implement this.
/// </summary>
public interface ILocalAttack
{
    /// <summary>The config name (<c>fedactors.attack.name</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Writes the malicious report into <paramref name="output"/> (same length as the honest gradient).
    /// <paramref name="random"/> is the worker's stream for this round (for every round the same one when
    /// <see cref="DrawsOnce"/>), so the forged vector is reproducible.
    /// </summary>
    void Forge(ReadOnlySpan<float> honestGradient, Span<float> output, Random random);

    /// <summary>
    /// True when the worker must hand <see cref="Forge"/> the same stream in every round, so whatever the attack
    /// draws is drawn once and repeated. Noise that repeats is a bias, not variance: coordinate-wise rules feel it
    /// where they shrug off fresh noise.
    /// </summary>
    bool DrawsOnce => false;
}
