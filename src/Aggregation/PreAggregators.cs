namespace FedActors.Aggregation;

/// <summary>The pre-aggregation steps by config name (none yet: a placeholder for the catalog).</summary>
public static class PreAggregators
{
    public static IReadOnlyList<string> Names => [];

    /// <summary>Creates the step for <paramref name="name"/>; throws <see cref="ArgumentException"/> for an unknown name.</summary>
    public static IPreAggregator Create(string name, int f, int n, RuleParameters? parameters = null) =>
        throw new ArgumentException(
            $"unknown pre-aggregation step '{name}'; known steps: {(Names.Count == 0 ? "none yet" : string.Join(", ", Names))}",
            nameof(name));
}
