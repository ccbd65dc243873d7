using System.Reflection;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace FedActors.Host.Configuration;

/// <summary>
/// Loads an experiment: the embedded reference.conf (every key, with its default) under the experiment file, under
/// the command line's --set overrides (the last one wins). A key under fedactors that reference.conf does not have is
/// unknown and rejected, so a typo never silently falls back to a default.
/// </summary>
public static class ExperimentConfig
{
    private const string Root = "fedactors";

    /// <summary>The top-level blocks an experiment file may hold besides fedactors: Akka's own settings.</summary>
    private static readonly string[] ForeignRoots = ["akka"];

    public static Config Reference { get; } = FromResource("FedActors.reference.conf");

    /// <summary>Defaults of the actor system (loggers, log levels); an experiment's akka block overrides them.</summary>
    public static Config AkkaDefaults { get; } = FromResource("FedActors.akka.conf");

    /// <summary>Parses and merges an experiment; throws <see cref="ConfigException"/> naming the file, --set or key at fault.</summary>
    public static Config Load(string? experimentPath, IEnumerable<string> overrides)
    {
        var layers = new List<(string Origin, Config Config)>();
        if (experimentPath is not null)
        {
            if (!File.Exists(experimentPath))
                throw new ConfigException(experimentPath, "experiment file not found");
            layers.Add((experimentPath, Parse(File.ReadAllText(experimentPath), experimentPath, Path.GetDirectoryName(Path.GetFullPath(experimentPath)))));
        }
        foreach (var assignment in overrides)
            layers.Add(($"--set {assignment}", ParseOverride(assignment)));

        foreach (var (origin, layer) in layers)
            CheckKnownKeys(layer, origin);

        var merged = Reference;
        foreach (var (_, layer) in layers)
            merged = layer.WithFallback(merged);
        return merged;
    }

    /// <summary>Same as <see cref="Load(string?, IEnumerable{string})"/> for an experiment given as text (tests, notebooks).</summary>
    public static Config FromText(string hocon, IEnumerable<string>? overrides = null)
    {
        var layer = Parse(hocon, "experiment text");
        CheckKnownKeys(layer, "experiment text");
        var merged = layer.WithFallback(Reference);
        foreach (var assignment in overrides ?? [])
        {
            var set = ParseOverride(assignment);
            CheckKnownKeys(set, $"--set {assignment}");
            merged = set.WithFallback(merged);
        }
        return merged;
    }

    private static Config ParseOverride(string assignment)
    {
        var equals = assignment.IndexOf('=');
        if (equals <= 0)
            throw new ConfigException($"--set {assignment}", "expected KEY=VALUE, for example fedactors.aggregator.rule=mean");
        var key = assignment[..equals].Trim();
        var value = assignment[(equals + 1)..].Trim();
        if (value.Length == 0)
            throw new ConfigException(key, $"--set {assignment} gives no value");
        return Parse($"{key} = {value}", $"--set {assignment}");
    }

    /// <param name="directory">Where the text's <c>include "FILE"</c> paths start from: the experiment file's folder, or
    /// the working directory for text that comes from no file.</param>
    private static Config Parse(string hocon, string origin, string? directory = null)
    {
        try
        {
            return ConfigurationFactory.ParseString(hocon, include => Include(include, directory ?? Directory.GetCurrentDirectory(), origin, 1));
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new ConfigException(origin, $"not valid HOCON: {e.Message}");
        }
    }

    private const int MaxIncludeDepth = 16;

    /// <summary>
    /// <c>include "FILE"</c>: the file's settings, FILE relative to the including file, so an experiment can be a few
    /// keys changed on top of another (saddle-pgd-noisy.conf on saddle-pgd.conf). Keys after the include override it.
    /// </summary>
    private static HoconRoot Include(string include, string directory, string origin, int depth)
    {
        if (depth > MaxIncludeDepth)
            throw new ConfigException(origin, $"includes nest more than {MaxIncludeDepth} deep (does a file include itself?)");
        var path = Path.GetFullPath(Path.Combine(directory, include.Trim().Trim('"')));
        if (!File.Exists(path))
            throw new ConfigException(origin, $"included file not found: {path}");
        return Parser.Parse(File.ReadAllText(path), nested => Include(nested, Path.GetDirectoryName(path)!, path, depth + 1));
    }

    private static void CheckKnownKeys(Config layer, string origin)
    {
        if (layer.Root is not { } root || !root.IsObject())
            return;
        foreach (var (key, value) in root.GetObject().Items)
        {
            if (key == Root)
                CheckAgainstReference(value, Reference.Root.GetObject().Items[Root], Root, origin);
            else if (!ForeignRoots.Contains(key))
                throw new ConfigException(key, $"unknown top-level key in {origin}; experiment settings go under '{Root} {{ }}' (and Akka's under 'akka {{ }}')");
        }
    }

    private static void CheckAgainstReference(HoconValue given, HoconValue reference, string path, string origin)
    {
        var referenceIsObject = reference.IsObject();
        if (given.IsObject() != referenceIsObject)
        {
            throw new ConfigException(path, referenceIsObject
                ? $"is a block of settings ({{ ... }}) but {origin} gives it a single value"
                : $"is a single value but {origin} gives it a block {{ ... }}");
        }
        if (!referenceIsObject)
            return;
        var known = reference.GetObject().Items;
        foreach (var (key, value) in given.GetObject().Items)
        {
            var childPath = $"{path}.{key}";
            if (!known.TryGetValue(key, out var referenceChild))
                throw new ConfigException(childPath, $"unknown key in {origin}; known keys under {path}: {string.Join(", ", known.Keys)}{ElsewhereHint(key)}");
            CheckAgainstReference(value, referenceChild, childPath, origin);
        }
    }

    /// <summary>
    /// "; did you mean ..." with the reference's settings elsewhere of the same name (a key put in the wrong block,
    /// e.g. fedactors.data.path for fedactors.task.fashion-mnist.path); empty when there is none.
    /// </summary>
    private static string ElsewhereHint(string key)
    {
        var matches = new List<string>();
        void Search(HoconValue value, string path)
        {
            if (!value.IsObject())
                return;
            foreach (var (name, child) in value.GetObject().Items)
            {
                var childPath = $"{path}.{name}";
                if (name == key && !child.IsObject())
                    matches.Add(childPath);
                Search(child, childPath);
            }
        }
        Search(Reference.Root.GetObject().Items[Root], Root);
        return matches.Count == 0 ? "" : $"; did you mean {string.Join(" or ", matches)}?";
    }

    private static Config FromResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
