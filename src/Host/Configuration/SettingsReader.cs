using System.Globalization;
using Akka.Configuration;

namespace FedActors.Host.Configuration;

/// <summary>
/// Typed access to a merged config where every failure names the key path. Values are read as their literal text
/// and parsed here (invariant culture), rather than through Config.GetInt and friends, whose errors do not say which
/// key was wrong.
/// </summary>
internal sealed class SettingsReader(Config config)
{
    public const string Auto = "auto";

    public string Text(string path)
    {
        var value = config.GetValue(path);
        if (value is null || value.IsEmpty)
            throw new ConfigException(path, "has no value");
        if (value.IsObject() || value.IsArray())
            throw new ConfigException(path, "expected a single value, got a block or a list");
        return value.GetString();
    }

    /// <summary>A list of words, e.g. <c>pre = [nnm, bucketing]</c>.</summary>
    public IReadOnlyList<string> List(string path)
    {
        var value = config.GetValue(path);
        // Akka's HOCON reports an empty list as neither an array nor a string.
        if (value is null || value.IsString() || value.IsObject())
            throw new ConfigException(path, "expected a list such as [nnm] or []");
        return value.IsArray() ? value.GetArray().Select(item => item.GetString()).ToArray() : [];
    }

    /// <summary>The single values of a block, by key (nested blocks are not parameters and are rejected).</summary>
    public IReadOnlyDictionary<string, string> Block(string path)
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!config.HasPath(path))
            return values;
        var block = config.GetValue(path);
        if (!block.IsObject())
            throw new ConfigException(path, "expected a block of parameters { ... }");
        foreach (var (key, value) in block.GetObject().Items)
            values[key] = value.IsArray() || value.IsObject()
                ? throw new ConfigException($"{path}.{key}", "expected a single value")
                : value.GetString();
        return values;
    }

    public string OneOf(string path, IReadOnlyList<string> allowed)
    {
        var text = Text(path);
        if (!allowed.Contains(text))
            throw new ConfigException(path, $"'{text}' is not one of: {string.Join(", ", allowed)}");
        return text;
    }

    public int Int(string path, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Text(path);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new ConfigException(path, $"expected a whole number, got '{text}'");
        return InRange(path, value, min, max);
    }

    /// <summary>A whole number, or null where the key holds <paramref name="word"/> ("auto", "all").</summary>
    public int? IntOr(string path, string word, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Text(path);
        if (text == word)
            return null;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new ConfigException(path, $"expected a whole number or '{word}', got '{text}'");
        return InRange(path, value, min, max);
    }

    public ulong? SeedOrAuto(string path)
    {
        var text = Text(path);
        if (text == Auto)
            return null;
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new ConfigException(path, $"expected a non-negative whole number or '{Auto}', got '{text}'");
        return value;
    }

    public double Double(string path, double min = double.NegativeInfinity, double max = double.PositiveInfinity,
        bool minExclusive = false, bool maxExclusive = false)
    {
        var text = Text(path);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new ConfigException(path, $"expected a finite number, got '{text}'");
        var belowMin = minExclusive ? value <= min : value < min;
        var aboveMax = maxExclusive ? value >= max : value > max;
        if (belowMin || aboveMax)
        {
            var lower = double.IsNegativeInfinity(min) ? "" : (minExclusive ? $"> {min}" : $">= {min}");
            var upper = double.IsPositiveInfinity(max) ? "" : (maxExclusive ? $"< {max}" : $"<= {max}");
            var bounds = string.Join(" and ", new[] { lower, upper }.Where(b => b.Length > 0));
            throw new ConfigException(path, $"must be {bounds}, got {text}");
        }
        return value;
    }

    /// <summary>A number, or null for the word "auto".</summary>
    public double? DoubleOrAuto(string path, double min = double.NegativeInfinity, double max = double.PositiveInfinity) =>
        Text(path) == "auto" ? null : Double(path, min, max);

    public TimeSpan Duration(string path)
    {
        Text(path);
        TimeSpan value;
        try
        {
            value = config.GetTimeSpan(path, null, allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or ConfigurationException)
        {
            throw new ConfigException(path, $"expected a duration such as 30s or 500ms, got '{Text(path)}'");
        }
        if (value <= TimeSpan.Zero)
            throw new ConfigException(path, $"must be a positive duration, got '{Text(path)}'");
        return value;
    }

    private static int InRange(string path, int value, int min, int max)
    {
        if (value < min)
            throw new ConfigException(path, min == 0 ? $"cannot be negative, got {value}" : $"must be at least {min}, got {value}");
        if (value > max)
            throw new ConfigException(path, $"must be at most {max}, got {value}");
        return value;
    }
}
