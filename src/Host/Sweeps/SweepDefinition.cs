using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using FedActors.Host.Configuration;

namespace FedActors.Host.Sweeps;

/// <summary>
/// A sweep file as written: which experiment, and the lists whose product is the grid. Loading checks the file's shape
/// only (known keys, non-empty lists, no repeats, fractions in [0, 1)); whether each cell is a valid experiment is
/// <see cref="SweepPlan"/>'s question.
/// </summary>
/// <param name="ExperimentPath">Absolute path of the experiment file (written relative to the sweep file).</param>
/// <param name="Set">Extra <c>--set</c> overrides applied to every run, before the swept keys.</param>
public sealed record SweepDefinition(
    string SweepPath,
    string ExperimentPath,
    IReadOnlyList<string> Rules,
    IReadOnlyList<string> Attacks,
    IReadOnlyList<double> ByzantineFractions,
    IReadOnlyList<ulong> Seeds,
    IReadOnlyList<string> Set)
{
    private const string Root = "sweep";

    /// <summary>The keys a sweep block may hold; anything else is a typo and stops the sweep.</summary>
    public static readonly IReadOnlyList<string> Keys = ["experiment", "rules", "attacks", "byzantine-fractions", "seeds", "set"];

    /// <summary>The experiment keys each cell sets; <c>sweep.set</c> may not set them, or one of the two would be ignored.</summary>
    public static readonly IReadOnlyList<string> SweptKeys =
        ["fedactors.aggregator.rule", "fedactors.attack.name", "fedactors.workers.byzantine", "fedactors.seed.base"];

    /// <summary>Reads and checks a sweep file; throws <see cref="ConfigException"/> naming the file or the key at fault.</summary>
    public static SweepDefinition Load(string sweepPath)
    {
        if (!File.Exists(sweepPath))
            throw new ConfigException(sweepPath, "sweep file not found");
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(File.ReadAllText(sweepPath));
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new ConfigException(sweepPath, $"not valid HOCON: {e.Message}");
        }

        var root = config.Root;
        if (root is null || !root.IsObject() || !root.GetObject().Items.ContainsKey(Root))
            throw new ConfigException(sweepPath, $"has no '{Root} {{ }}' block");
        foreach (var key in root.GetObject().Items.Keys)
        {
            if (key != Root)
                throw new ConfigException(key, $"unknown top-level key in {sweepPath}; a sweep file holds one '{Root} {{ }}' block");
        }
        var block = root.GetObject().Items[Root];
        if (!block.IsObject())
            throw new ConfigException(Root, "expected a block { ... }");
        foreach (var key in block.GetObject().Items.Keys)
        {
            if (!Keys.Contains(key))
                throw new ConfigException($"{Root}.{key}", $"unknown key in {sweepPath}; known keys under {Root}: {string.Join(", ", Keys)}");
        }

        var experimentText = Single(config, "experiment");
        var sweepFolder = Path.GetDirectoryName(Path.GetFullPath(sweepPath)) ?? ".";
        var experimentPath = Path.GetFullPath(Path.Combine(sweepFolder, experimentText));
        if (!File.Exists(experimentPath))
            throw new ConfigException($"{Root}.experiment", $"experiment file {experimentPath} not found (the path is relative to the sweep file)");

        var rules = Distinct("rules", List(config, "rules", required: true));
        var attacks = Distinct("attacks", List(config, "attacks", required: true));
        var fractions = Distinct("byzantine-fractions", List(config, "byzantine-fractions", required: true).Select(Fraction).ToArray());
        var seeds = Distinct("seeds", List(config, "seeds", required: true).Select(Seed).ToArray());
        var set = List(config, "set", required: false);
        CheckNotSwept(set, $"{Root}.set");
        return new SweepDefinition(Path.GetFullPath(sweepPath), experimentPath, rules, attacks, fractions, seeds, set);
    }

    /// <summary>This sweep with the command line's <c>--set</c> overrides after its own (the same checks as sweep.set).</summary>
    public SweepDefinition WithExtraSet(IReadOnlyList<string> extra)
    {
        CheckNotSwept(extra, "--set");
        return extra.Count == 0 ? this : this with { Set = [.. Set, .. extra] };
    }

    private static void CheckNotSwept(IEnumerable<string> assignments, string origin)
    {
        foreach (var assignment in assignments)
        {
            var key = assignment.Split('=', 2)[0].Trim();
            if (SweptKeys.Contains(key))
                throw new ConfigException(origin, $"'{assignment}' sets {key}, which every cell sets from the sweep's lists");
        }
    }

    private static string Single(Config config, string key)
    {
        var path = $"{Root}.{key}";
        var value = config.HasPath(path) ? config.GetValue(path) : null;
        if (value is null || value.IsEmpty)
            throw new ConfigException(path, "is required");
        if (!value.IsString())
            throw new ConfigException(path, "expected a single value");
        return value.GetString();
    }

    private static IReadOnlyList<string> List(Config config, string key, bool required)
    {
        var path = $"{Root}.{key}";
        if (!config.HasPath(path))
            return required ? throw new ConfigException(path, "is required") : [];
        var value = config.GetValue(path);
        if (value.IsString() || value.IsObject())
            throw new ConfigException(path, "expected a list such as [a, b]");
        // Akka's HOCON reports an empty list as neither an array nor a string.
        var items = value.IsArray() ? value.GetArray() : [];
        if (items.Any(item => !item.IsString()))
            throw new ConfigException(path, "expected a list of single values");
        if (required && items.Count == 0)
            throw new ConfigException(path, "is empty; the grid needs at least one value on each axis");
        return items.Select(item => item.GetString()).ToArray();
    }

    private static double Fraction(string text)
    {
        const string path = $"{Root}.byzantine-fractions";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new ConfigException(path, $"expected numbers, got '{text}'");
        // A fraction of 1 would leave no honest worker; the experiment parser would refuse every such cell anyway.
        if (value is < 0 or >= 1)
            throw new ConfigException(path, $"{text} is not a fraction in [0, 1)");
        return value;
    }

    private static ulong Seed(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ConfigException($"{Root}.seeds", $"expected non-negative whole numbers, got '{text}'");

    /// <summary>A repeated value would give two cells the same results folder.</summary>
    private static IReadOnlyList<T> Distinct<T>(string key, IReadOnlyList<T> values)
    {
        var seen = new HashSet<T>();
        foreach (var value in values)
        {
            if (!seen.Add(value))
                throw new ConfigException($"{Root}.{key}", $"{Convert.ToString(value, CultureInfo.InvariantCulture)} is listed twice");
        }
        return values;
    }

    /// <summary>How a fraction is written in folder and file names: the shortest text that reads back as the same double.</summary>
    public static string FractionText(double fraction) => fraction.ToString("R", CultureInfo.InvariantCulture);
}
