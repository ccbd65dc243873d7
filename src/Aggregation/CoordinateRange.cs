namespace FedActors.Aggregation;

/// <summary>The coordinates [Start, Start + Length) of a gradient, the unit of work of one aggregator shard.</summary>
public readonly record struct CoordinateRange(int Start, int Length)
{
    /// <summary>One past the last coordinate.</summary>
    public int End => Start + Length;
}
