namespace FedActors.Learning;

/// <summary>
/// A differentiable model over a flat float parameter vector. Implementations keep no per-call state, so one instance
/// may be shared by workers on different threads.
/// </summary>
public interface IModel
{
    int ParameterCount { get; }

    /// <summary>Starting parameters; deterministic in <paramref name="random"/>.</summary>
    void Initialize(Span<float> parameters, Random random);

    /// <summary>
    /// Mean loss over the batch rows of <paramref name="data"/>; writes the gradient of that mean loss into
    /// <paramref name="gradient"/> (length ParameterCount, fully overwritten). Returns the mean loss.
    /// </summary>
    double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient);

    /// <summary>Mean loss over the given rows, no gradient.</summary>
    double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch);
}
