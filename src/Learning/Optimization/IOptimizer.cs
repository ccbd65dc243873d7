namespace FedActors.Learning;

/// <summary>Turns a round's aggregate into the next parameters. The server calls it once per round, between rounds.</summary>
public interface IOptimizer
{
    void Step(Span<float> parameters, ReadOnlySpan<float> aggregate);

    /// <summary>Writes everything the optimizer carries across rounds (not the parameters), for a checkpoint.</summary>
    void SaveState(BinaryWriter writer);

    /// <summary>Restores what <see cref="SaveState"/> wrote, so the next step is the uninterrupted run's.</summary>
    void LoadState(BinaryReader reader);
}
