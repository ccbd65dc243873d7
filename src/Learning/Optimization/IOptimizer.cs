namespace FedActors.Learning;

/// <summary>Turns a round's aggregate into the next parameters. The server calls it once per round, between rounds.</summary>
public interface IOptimizer
{
    void Step(Span<float> parameters, ReadOnlySpan<float> aggregate);
}
