namespace FedActors.Aggregation;

/// <summary>The rules by config name, created with the parameters a run configures.</summary>
public static class AggregationRules
{
    private sealed record Entry(string Name, bool NeedsHonestMajority, Func<int, IAggregationRule> Create);

    private static readonly Entry[] Catalog =
    [
        new("mean", NeedsHonestMajority: false, _ => new MeanRule()),
        new("median", NeedsHonestMajority: true, f => new CoordinateWiseMedianRule(f)),
        new("trimmed-mean", NeedsHonestMajority: true, f => new TrimmedMeanRule(f)),
    ];

    /// <summary>"mean", "median", "trimmed-mean".</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Catalog.Select(entry => entry.Name).ToArray());

    /// <summary>
    /// Creates the rule for <paramref name="name"/> (exact, lower case) told to tolerate f Byzantine rows among n.
    /// Throws <see cref="ArgumentException"/> saying what is wrong: an unknown name (listing the known ones), n &lt; 1,
    /// f &lt; 0, f &gt; n, or n &lt;= 2f for a rule that needs n &gt; 2f. Mean accepts any f in [0, n]: it tolerates none,
    /// and users run it as the baseline that breaks.
    /// </summary>
    public static IAggregationRule Create(string name, int f, int n, RuleParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var entry = Array.Find(Catalog, candidate => candidate.Name == name)
            ?? throw new ArgumentException(
                $"unknown aggregation rule '{name}'; known rules: {string.Join(", ", Names)}", nameof(name));
        if (n < 1)
            throw new ArgumentException($"{name} needs at least one worker, got n = {n}", nameof(n));
        if (f < 0)
            throw new ArgumentException($"{name}: f (Byzantine workers) must be >= 0, got f = {f}", nameof(f));
        if (f > n)
            throw new ArgumentException($"{name}: f = {f} Byzantine workers exceeds n = {n} workers", nameof(f));
        if (entry.NeedsHonestMajority && n <= 2 * f)
            throw new ArgumentException($"{name} cannot tolerate f = {f} of n = {n}: needs n > 2f", nameof(f));
        return entry.Create(f);
    }
}
