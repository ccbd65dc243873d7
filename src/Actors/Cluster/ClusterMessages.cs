using Akka.Actor;

namespace FedActors.Actors.Cluster;

// The cluster's start-up and shut-down protocol between the coordinator node's ClusterRunActor and each workers node's
// NodeWorkersActor. Every message crosses through the relays; an actor reference crosses only as a message's sender.

/// <summary>The cluster roles a FedActors node may carry.</summary>
public static class ClusterRoles
{
    public const string Coordinator = "coordinator";
    public const string Workers = "workers";
    public const string Aggregator = "aggregator";

    public static IReadOnlyList<string> All { get; } = [Coordinator, Workers, Aggregator];
}

/// <summary>The run's coalition, as this message's sender: colluding workers on the receiving node talk to it.</summary>
public sealed record CoalitionAnnounced
{
    public static CoalitionAnnounced Instance { get; } = new();
}

/// <summary>The node hosts workers <paramref name="FirstId"/> .. FirstId + Count - 1 of the experiment whose resolved
/// configuration hashes to <paramref name="Fingerprint"/>.</summary>
public sealed record WorkerBlockAssigned(int FirstId, int Count, string Fingerprint);

/// <summary>A worker of the block started; the message's sender is that worker, the one actor whose reports count for the id.</summary>
public sealed record WorkerStarted(int WorkerId);

/// <summary>Every worker of the block started (each announced before this); the sender is the node's actor, which
/// receives each round's snapshot once for the whole block.</summary>
public sealed record WorkerBlockStarted(int FirstId, int Count);

/// <summary>The node cannot host the block (another experiment, or its setups failed to build).</summary>
public sealed record WorkerBlockRefused(int FirstId, string Reason);

/// <summary>The coordinator's run ended (completed or failed): the workers node may leave.</summary>
public sealed record RunFinished
{
    public static RunFinished Instance { get; } = new();
}

public sealed record RunFinishedAcknowledged
{
    public static RunFinishedAcknowledged Instance { get; } = new();
}

/// <summary>Asked by the host of a workers node; answered with <see cref="NodeRunEnded"/> when the node's part is over.</summary>
public sealed record NodeRunEndAwaited
{
    public static NodeRunEndAwaited Instance { get; } = new();
}

/// <param name="RunFinished">The coordinator said the run ended; false when the coordinator's node left without saying so.</param>
public sealed record NodeRunEnded(bool RunFinished, string Detail);

/// <summary>Sent by the coordinator node's own timers.</summary>
internal sealed record StartTimeoutPassed
{
    public static StartTimeoutPassed Instance { get; } = new();
}

internal sealed record FinishTimeoutPassed
{
    public static FinishTimeoutPassed Instance { get; } = new();
}

/// <summary>Which node hosts which worker ids: contiguous blocks, in the order of the nodes' addresses.</summary>
public static class WorkerAssignment
{
    /// <summary>
    /// Sorts the nodes by address (ordinal, so every run and every machine agrees) and gives node k the ids
    /// [k n / m, (k + 1) n / m); a node whose block would be empty (more nodes than workers) gets none.
    /// </summary>
    public static IReadOnlyList<(Address Node, int FirstId, int Count)> Split(int workers, IEnumerable<Address> nodes)
    {
        var sorted = nodes.Distinct().OrderBy(a => a.ToString(), StringComparer.Ordinal).ToArray();
        var blocks = new List<(Address, int, int)>(sorted.Length);
        for (var k = 0; k < sorted.Length; k++)
        {
            var first = (int)((long)k * workers / sorted.Length);
            var end = (int)((long)(k + 1) * workers / sorted.Length);
            if (end > first)
                blocks.Add((sorted[k], first, end - first));
        }
        return blocks;
    }
}
