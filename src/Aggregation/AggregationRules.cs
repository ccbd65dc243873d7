namespace FedActors.Aggregation;

/// <summary>The rules by config name, created with the f, n and parameters a run configures.</summary>
public static class AggregationRules
{
    /// <param name="NeedsHonestMajority">The catalog checks n &gt; 2f for it before the rule's own checks.</param>
    private sealed record Entry(string Name, bool NeedsHonestMajority, Func<int, int, RuleParameters, IAggregationRule> Create);

    private static readonly Entry[] Catalog =
    [
        new("mean", NeedsHonestMajority: false, (_, _, _) => new MeanRule()),
        new("median", NeedsHonestMajority: true, (f, _, _) => new CoordinateWiseMedianRule(f)),
        new("trimmed-mean", NeedsHonestMajority: true, (f, _, _) => new TrimmedMeanRule(f)),
        new("geometric-median", NeedsHonestMajority: false, GeometricMedianRule.Create),
        new("gmom", NeedsHonestMajority: false, GeometricMedianOfMeansRule.Create),
        new("filter", NeedsHonestMajority: false, SpectralFilterRule.Create),
        new("byzantine-sgd", NeedsHonestMajority: false, ByzantineSgdRule.Create),
        new("bgmd", NeedsHonestMajority: false, BgmdRule.Create),
        new("meamed", NeedsHonestMajority: false, MeanAroundMedianRule.Create),
        new("krum", NeedsHonestMajority: false, KrumRule.Create),
        new("multi-krum", NeedsHonestMajority: false, MultiKrumRule.Create),
        new("bulyan", NeedsHonestMajority: false, BulyanRule.Create),
        new("centered-clipping", NeedsHonestMajority: false, CenteredClippingRule.Create),
    ];

    /// <summary>Every rule's config name, in catalog order.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Catalog.Select(entry => entry.Name).ToArray());

    /// <summary>
    /// Creates the rule for <paramref name="name"/> (exact, lower case) told to tolerate f Byzantine rows among n, with
    /// its named parameters (defaults where absent). Throws <see cref="ArgumentException"/> saying what is wrong: an
    /// unknown name (listing the known ones), n &lt; 1, f &lt; 0, f &gt; n, an f the rule cannot tolerate, or a bad or
    /// unknown parameter (<see cref="ArgumentException.ParamName"/> is then the parameter's name). Mean accepts any f in
    /// [0, n]: it tolerates none, and users run it as the baseline that breaks.
    /// </summary>
    public static IAggregationRule Create(string name, int f, int n, RuleParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var entry = Array.Find(Catalog, candidate => candidate.Name == name)
            ?? throw new ArgumentException(
                $"unknown aggregation rule '{name}'; known rules: {string.Join(", ", Names)}", nameof(name));
        ToleranceCheck.Counts(name, f, n);
        if (entry.NeedsHonestMajority && n <= 2 * f)
            throw new ArgumentException($"{name} cannot tolerate f = {f} of n = {n}: needs n > 2f", nameof(f));
        parameters ??= RuleParameters.Empty;
        var rule = entry.Create(f, n, parameters);
        parameters.CheckAllRead(name);
        return rule;
    }
}

/// <summary>The pre-aggregation steps (<c>aggregator.pre</c>) by config name.</summary>
public static class PreAggregators
{
    private sealed record Entry(string Name, Func<int, int, RuleParameters, IPreAggregator> Create);

    private static readonly Entry[] Catalog =
    [
        new("nnm", NearestNeighbourMixing.Create),
        new("bucketing", Bucketing.Create),
        new("clip", NormClipping.Create),
    ];

    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Catalog.Select(entry => entry.Name).ToArray());

    /// <summary>Creates a step by name for f of n; errors as <see cref="AggregationRules.Create"/>.</summary>
    public static IPreAggregator Create(string name, int f, int n, RuleParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var entry = Array.Find(Catalog, candidate => candidate.Name == name)
            ?? throw new ArgumentException(
                $"unknown pre-aggregation step '{name}'; known steps: {(Names.Count == 0 ? "none yet" : string.Join(", ", Names))}", nameof(name));
        ToleranceCheck.Counts(name, f, n);
        parameters ??= RuleParameters.Empty;
        var step = entry.Create(f, n, parameters);
        parameters.CheckAllRead(name);
        return step;
    }
}
