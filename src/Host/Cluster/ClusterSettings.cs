using System.Reflection;
using Akka.Configuration;
using FedActors.Host.Configuration;

namespace FedActors.Host.Cluster;

/// <summary>The fedactors.cluster keys of hocon/cluster.conf (embedded), with the node command line's overrides.</summary>
public sealed record ClusterSettings(int MinMembers, int ChunkBytes, TimeSpan StartTimeout, TimeSpan FinishTimeout)
{
    public const string Root = "fedactors.cluster";

    /// <summary>hocon/cluster.conf: the cluster keys and the actor-system settings of a node.</summary>
    public static Config Reference { get; } = FromResource("FedActors.cluster.conf");

    /// <summary>An override is a cluster key when it names one under fedactors.cluster; every other --set is an experiment key.</summary>
    public static bool IsClusterOverride(string assignment) => assignment.TrimStart().StartsWith(Root + ".", StringComparison.Ordinal);

    /// <summary>Reads the cluster keys from the overrides over cluster.conf; throws <see cref="ConfigException"/> naming the key.</summary>
    public static (ClusterSettings Settings, Config Config) Load(IEnumerable<string> clusterOverrides)
    {
        var config = Reference;
        foreach (var assignment in clusterOverrides)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
                throw new ConfigException($"--set {assignment}", "expected KEY=VALUE");
            var key = assignment[..equals].Trim();
            if (!Reference.HasPath(key))
                throw new ConfigException(key, $"unknown cluster key; hocon/cluster.conf has {string.Join(", ", Reference.GetConfig(Root).AsEnumerable().Select(p => Root + "." + p.Key))}");
            config = ConfigurationFactory.ParseString($"{key} = {assignment[(equals + 1)..].Trim()}").WithFallback(config);
        }
        return (From(config), config);
    }

    public static ClusterSettings From(Config config)
    {
        var minMembers = Read(config, "min-members", (c, p) => c.GetInt(p));
        if (minMembers < 1)
            throw new ConfigException($"{Root}.min-members", $"{minMembers}: at least 1 (the coordinator's own node)");
        var chunk = Read(config, "chunk-size", (c, p) => c.GetInt(p));
        var frame = config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 128000;
        if (chunk < 1024 || chunk > frame - Headroom)
            throw new ConfigException($"{Root}.chunk-size",
                $"{chunk} bytes: between 1024 and akka.remote.dot-netty.tcp.maximum-frame-size ({frame}) minus {Headroom} bytes of headroom");
        var start = Read(config, "start-timeout", (c, p) => c.GetTimeSpan(p));
        var finish = Read(config, "finish-timeout", (c, p) => c.GetTimeSpan(p));
        if (start <= TimeSpan.Zero || finish <= TimeSpan.Zero)
            throw new ConfigException($"{Root}.start-timeout", "the start and finish timeouts must be positive");
        return new ClusterSettings(minMembers, chunk, start, finish);
    }

    /// <summary>Room in an Akka frame for a chunk's header (paths and manifest) and Akka's own envelope.</summary>
    private const int Headroom = 64 * 1024;

    private static T Read<T>(Config config, string key, Func<Config, string, T> read)
    {
        var path = $"{Root}.{key}";
        try
        {
            return read(config, path);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException or InvalidCastException)
        {
            throw new ConfigException(path, e.Message);
        }
    }

    private static Config FromResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
