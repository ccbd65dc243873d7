namespace FedActors.Aggregation;

/// <summary>
/// A robust aggregation rule: maps the n rows of a matrix (some of them possibly Byzantine) to one d-vector, and
/// reports how much each row counted. A rule is written against <see cref="IMatrixPasses"/>, never against raw memory,
/// so it runs unchanged over any number of coordinate shards. Stateless rules may serve concurrent callers; stateful
/// ones (<see cref="IStatefulRule"/>) belong to one run.
/// </summary>
public interface IAggregationRule
{
    /// <summary>Config name, e.g. "median", "geometric-median", "krum".</summary>
    string Name { get; }

    /// <summary>Smallest number of rows the rule can aggregate (e.g. 2f+1 for the median and trimmed mean with f).</summary>
    int MinimumRows { get; }

    /// <summary>
    /// Writes the aggregate of all rows of <paramref name="rows"/> into <paramref name="output"/> (length d) and fills
    /// <paramref name="report"/>, which the caller has reset to the row count.
    /// </summary>
    ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report);
}

/// <summary>A rule that keeps state across rounds; the state is part of a run's checkpoint.</summary>
public interface IStatefulRule : IAggregationRule
{
    /// <summary>Writes everything the rule carries across rounds.</summary>
    void SaveState(BinaryWriter writer);

    /// <summary>Restores what <see cref="SaveState"/> wrote, so the next round behaves as in the uninterrupted run.</summary>
    void LoadState(BinaryReader reader);
}

/// <summary>
/// A step that transforms the rows before the rule sees them (nearest-neighbour mixing, bucketing, clipping): it
/// returns the transformed rows and the mixing matrix that produced them, so the rule's row weights can be traced
/// back to the input rows.
/// </summary>
public interface IPreAggregator
{
    /// <summary>Config name, e.g. "nnm", "bucketing", "clip".</summary>
    string Name { get; }

    /// <summary>How many rows the step outputs for <paramref name="inputRows"/> rows (bucketing shrinks them).</summary>
    int OutputRows(int inputRows);

    /// <summary>Transforms the rows; <see cref="MixedRows.Mixing"/> is outputRows x n row-major, Y = M X.</summary>
    ValueTask<MixedRows> ApplyAsync(IMatrixPasses rows, AggregationContext context);
}

/// <summary>Rows produced by a pre-aggregation step, and the mixing matrix (Rows x input rows, row-major) that made them.</summary>
public sealed record MixedRows(IMatrixPasses Rows, double[] Mixing);
