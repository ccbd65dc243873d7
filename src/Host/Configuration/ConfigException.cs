namespace FedActors.Host.Configuration;

/// <summary>An invalid experiment configuration. <see cref="KeyPath"/> names the offending key (or file, or --set).</summary>
public sealed class ConfigException(string keyPath, string problem)
    : Exception($"{keyPath}: {problem}")
{
    public string KeyPath { get; } = keyPath;
}
