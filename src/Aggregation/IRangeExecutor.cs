namespace FedActors.Aggregation;

/// <summary>
/// Work on one shard's coordinate range: it reads and writes only that range, and returns its partial sums as the
/// <see cref="BlockTree"/> nodes of its blocks (null for work with nothing to combine).
/// </summary>
public delegate IReadOnlyList<BlockTree.Node>? RangeWork(CoordinateRange range, AggregationWorkspace workspace);

/// <summary>
/// Runs <see cref="RangeWork"/> on every shard's range: in this process on the thread pool
/// (<see cref="ParallelRangeExecutor"/>), or by message to the aggregator pool's shard actors.
/// </summary>
public interface IRangeExecutor
{
    /// <summary>The shards' ranges, contiguous and block-aligned, covering [0, d).</summary>
    IReadOnlyList<CoordinateRange> Ranges { get; }

    /// <summary>Runs the work on every non-empty range and returns each shard's result, indexed by shard.</summary>
    ValueTask<IReadOnlyList<BlockTree.Node>?[]> RunAsync(RangeWork work);

    /// <summary>
    /// Runs a pass that can also be described per range: an executor whose shards all see the matrix runs
    /// <see cref="RangePassPlan.Work"/> (the default); one with shards elsewhere sends them
    /// <see cref="RangePassPlan.Describe"/> and hands their answers to <see cref="RangePassPlan.Place"/>.
    /// </summary>
    ValueTask<IReadOnlyList<BlockTree.Node>?[]> RunAsync(RangePassPlan plan) => RunAsync(plan.Work);

    /// <summary>Every shard reads and writes the caller's matrices, so a row can be read directly rather than by a
    /// pass (ByzantineSGD reads every row, every round); false when some shard holds its columns elsewhere.</summary>
    bool SharesMatrices => true;
}

/// <summary>Runs range work in this process: inline for one shard, with Parallel.For for several.</summary>
public sealed class ParallelRangeExecutor : IRangeExecutor
{
    private readonly CoordinateRange[] _ranges;
    private readonly AggregationWorkspace[] _workspaces;

    public ParallelRangeExecutor(int columns, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        _ranges = CoordinatePartition.Split(columns, shards);
        _workspaces = new AggregationWorkspace[shards];
        for (var s = 0; s < shards; s++)
            _workspaces[s] = new AggregationWorkspace();
    }

    public IReadOnlyList<CoordinateRange> Ranges => _ranges;

    public ValueTask<IReadOnlyList<BlockTree.Node>?[]> RunAsync(RangeWork work)
    {
        var results = new IReadOnlyList<BlockTree.Node>?[_ranges.Length];
        if (_ranges.Length == 1)
        {
            results[0] = work(_ranges[0], _workspaces[0]);
        }
        else
        {
            Parallel.For(0, _ranges.Length, s =>
            {
                if (_ranges[s].Length > 0)
                    results[s] = work(_ranges[s], _workspaces[s]);
            });
        }
        return ValueTask.FromResult(results);
    }
}
