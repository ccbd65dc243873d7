using System.Globalization;

namespace FedActors.Aggregation;

/// <summary>
/// A rule's named parameters as text (from a config block such as <c>aggregator.geometric-median { ... }</c>, or the
/// <c>aggregate</c> command's <c>--param KEY=VALUE</c>), read with typed getters whose errors name the parameter.
/// A rule's factory reads every parameter it knows; <see cref="CheckAllRead"/> then rejects any it did not, so a
/// misspelt parameter never silently falls back to its default.
/// </summary>
public sealed class RuleParameters
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _read = [];

    public RuleParameters(IReadOnlyDictionary<string, string>? values = null)
    {
        _values = values is null ? [] : new Dictionary<string, string>(values, StringComparer.Ordinal);
    }

    public static RuleParameters Empty => new();

    public bool Has(string name) => _values.ContainsKey(name);

    public double Double(string name, double defaultValue, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (!TryGet(name, out var text))
            return defaultValue;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new ArgumentException($"parameter '{name}': expected a finite number, got '{text}'", name);
        if (value < min || value > max)
            throw new ArgumentException($"parameter '{name}': {value} is outside [{min}, {max}]", name);
        return value;
    }

    /// <summary>A number, or null when the parameter is absent or holds <paramref name="offWord"/> (e.g. "off", "auto").</summary>
    public double? OptionalDouble(string name, string offWord, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (!TryGet(name, out var text) || text == offWord)
            return null;
        return Double(name, 0, min, max);
    }

    public int Int(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryGet(name, out var text))
            return defaultValue;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new ArgumentException($"parameter '{name}': expected a whole number, got '{text}'", name);
        if (value < min || value > max)
            throw new ArgumentException($"parameter '{name}': {value} is outside [{min}, {max}]", name);
        return value;
    }

    /// <summary>A whole number, or null when absent or <paramref name="offWord"/>.</summary>
    public int? OptionalInt(string name, string offWord, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryGet(name, out var text) || text == offWord)
            return null;
        return Int(name, 0, min, max);
    }

    public string Choice(string name, string defaultValue, params string[] allowed)
    {
        if (!TryGet(name, out var text))
            return defaultValue;
        if (!allowed.Contains(text))
            throw new ArgumentException($"parameter '{name}': '{text}' is not one of {string.Join(", ", allowed)}", name);
        return text;
    }

    public bool Bool(string name, bool defaultValue)
    {
        if (!TryGet(name, out var text))
            return defaultValue;
        return text switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            _ => throw new ArgumentException($"parameter '{name}': expected true or false, got '{text}'", name),
        };
    }

    /// <summary>Throws naming the parameters no getter asked for (typos, or parameters of another rule).</summary>
    public void CheckAllRead(string ruleName)
    {
        var unknown = _values.Keys.Where(key => !_read.Contains(key)).OrderBy(key => key, StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
        {
            var known = _read.Count == 0 ? "it takes no parameters" : $"it reads: {string.Join(", ", _read.Order(StringComparer.Ordinal))}";
            throw new ArgumentException(
                $"{ruleName} has no parameter {string.Join(", ", unknown.Select(k => $"'{k}'"))}; {known}", unknown[0]);
        }
    }

    private bool TryGet(string name, out string text)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out text!);
    }
}
