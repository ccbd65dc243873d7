using Akka.Actor;
using FedActors.Aggregation;

namespace FedActors.Actors.Cluster;

// The aggregator role: shard actors on other nodes that hold their coordinate range of every row of the round and run
// the passes of IMatrixPasses sent to them as data (RangePass). The vector-carrying messages have their own binary
// format (AggregationMessageSerializer); the rest go through Hyperion.

/// <summary>The round's rows, this shard's columns only (rows x the range's length, row-major), sent once per round
/// before the round's passes; the relay link is ordered, so every pass of the round finds them.</summary>
public sealed record ShardRowsLoaded(int Round, int ShardIndex, int Rows, float[] Values);

/// <summary>One pass for a shard that holds only its own columns, on the rows of <paramref name="Round"/>: a shard
/// whose rows of that round never arrived (the relay dropped them) refuses the pass instead of reading another round's.</summary>
public sealed record RemoteRangeWorkAssigned(long Pass, int ShardIndex, int Round, RangePass Work);

/// <summary>A remote shard's answer: block-tree nodes and its range's coordinate-wise values.</summary>
public sealed record RemoteRangeWorkCompleted(long Pass, int ShardIndex, RangePassResult Result);

/// <summary>A shard to host: index <paramref name="Index"/> of the pool, coordinates [Start, Start + Length).</summary>
public sealed record ShardSpec(int Index, int Start, int Length);

/// <summary>The aggregator node hosts these shards (possibly none) for the experiment whose resolved configuration
/// hashes to <paramref name="Fingerprint"/>; <paramref name="Node"/> numbers the assignment, for the answer.</summary>
public sealed record ShardsAssigned(string Fingerprint, int Node, ShardSpec[] Shards);

/// <summary>A shard started; the message's sender is the shard actor the pool sends the shard's work to.</summary>
public sealed record ShardStarted(int Index);

/// <summary>Every shard of the assignment started (each announced before this); the sender is the node's actor.</summary>
public sealed record ShardsStarted(int Node, int Count);

public sealed record ShardsRefused(string Reason);

/// <summary>
/// Sent to the pool on the coordinator's node before the run: index k is the remote shard actor of shard k, or null
/// for a shard that stays in this process. Answered with <see cref="ShardsReady"/>.
/// </summary>
public sealed record ShardsPlaced(IReadOnlyList<IActorRef?> Shards);

public sealed record ShardsReady
{
    public static ShardsReady Instance { get; } = new();
}

/// <summary>Which aggregator node hosts which shard: round-robin over the nodes in address order, so every run agrees.</summary>
public static class ShardAssignment
{
    /// <summary>Shard k of the non-empty ranges goes to node k mod m (nodes sorted by address, ordinal).</summary>
    public static IReadOnlyList<(Address Node, ShardSpec[] Shards)> Place(IReadOnlyList<CoordinateRange> ranges, IEnumerable<Address> nodes)
    {
        var sorted = nodes.Distinct().OrderBy(a => a.ToString(), StringComparer.Ordinal).ToArray();
        if (sorted.Length == 0)
            return [];
        var shards = sorted.Select(_ => new List<ShardSpec>()).ToArray();
        var next = 0;
        for (var k = 0; k < ranges.Count; k++)
        {
            if (ranges[k].Length == 0)
                continue;
            shards[next % sorted.Length].Add(new ShardSpec(k, ranges[k].Start, ranges[k].Length));
            next++;
        }
        return sorted.Select((node, i) => (node, shards[i].ToArray())).ToArray();
    }
}
