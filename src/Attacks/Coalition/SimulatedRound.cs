using FedActors.Aggregation;
using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>
/// The round as the coalition imagines it: the known honest rows plus the members' forged rows, in worker-id order,
/// aggregated by a fresh pipeline of the run on each evaluation. Every evaluation hands the pipeline a new random
/// stream with the same seed (drawn once from the coalition's stream), so the aggregate is a deterministic function of
/// the forged vector and a line search compares like with like.
/// </summary>
internal sealed class SimulatedRound
{
    private readonly Func<AggregationPipeline> _factory;
    private readonly GradientMatrix _matrix;
    private readonly int[] _memberRows;
    private readonly int[] _rowWorkerIds;
    private readonly int _totalWorkers;
    private readonly ulong _seed;
    private readonly CoalitionKnowledge _knowledge;
    private readonly float[] _aggregate;
    private AggregationPipeline? _previous;

    public SimulatedRound(CoalitionKnowledge knowledge, int members, Func<AggregationPipeline> factory, Random random)
    {
        _knowledge = knowledge;
        _factory = factory;
        var honest = knowledge.Honest;
        // Without ids (a coalition that knows only its members' own gradients) the known rows stand in for the whole
        // honest population: they are cycled to fill the n - f honest rows of the real round, so the simulated round
        // has the size the run's rule was configured for (a median told f = 10 refuses 20 rows).
        var k = knowledge.HonestWorkerIds is null ? Math.Max(honest.Rows, knowledge.TotalWorkers - members) : honest.Rows;
        var honestIds = knowledge.HonestWorkerIds ?? Enumerable.Range(0, k).ToArray();
        var memberIds = knowledge.MemberWorkerIds ?? Enumerable.Range(k, members).ToArray();
        if (honestIds.Length != k)
            throw new ArgumentException($"{honestIds.Length} honest worker ids for {k} known rows", nameof(knowledge));
        if (memberIds.Length != members)
            throw new ArgumentException($"{memberIds.Length} member worker ids for {members} member rows", nameof(knowledge));
        var ids = honestIds.Select(id => (Id: id, Member: -1)).Concat(memberIds.Select((id, m) => (Id: id, Member: m)))
            .OrderBy(entry => entry.Id).ToArray();
        for (var r = 1; r < ids.Length; r++)
        {
            if (ids[r].Id == ids[r - 1].Id)
                throw new ArgumentException($"worker id {ids[r].Id} appears twice among the known and member rows", nameof(knowledge));
        }

        _matrix = new GradientMatrix(ids.Length, honest.Columns);
        _memberRows = new int[members];
        _rowWorkerIds = new int[ids.Length];
        var nextHonest = 0;
        for (var r = 0; r < ids.Length; r++)
        {
            _rowWorkerIds[r] = ids[r].Id;
            if (ids[r].Member >= 0)
                _memberRows[ids[r].Member] = r;
            else
                honest.RowView(nextHonest++ % honest.Rows).CopyTo(_matrix.Row(r));
        }
        _totalWorkers = Math.Max(knowledge.TotalWorkers, ids[^1].Id + 1);
        _seed = random.NextSeed();
        _aggregate = new float[honest.Columns];
    }

    /// <summary>Aggregates the round with every member reporting <paramref name="forged"/>; returns the aggregate (reused buffer).</summary>
    public ReadOnlySpan<float> Aggregate(ReadOnlySpan<double> forged)
    {
        var first = _matrix.Row(_memberRows[0]);
        for (var j = 0; j < first.Length; j++)
            first[j] = (float)forged[j];
        for (var m = 1; m < _memberRows.Length; m++)
            first.CopyTo(_matrix.Row(_memberRows[m]));

        var pipeline = _factory();
        if (ReferenceEquals(pipeline, _previous))
            throw new InvalidOperationException("the pipeline factory returned the same instance twice; it must create a fresh pipeline per call");
        _previous = pipeline;
        if (!pipeline.CanAggregate(_matrix.Rows))
            throw new InvalidOperationException($"{pipeline.Name} cannot aggregate the {_matrix.Rows} rows of the simulated round");
        var context = new AggregationContext(_knowledge.Round, _totalWorkers, (int[])_rowWorkerIds.Clone(), _knowledge.Model,
            new DeterministicRandom(_seed));
        pipeline.Aggregate(_matrix, _aggregate, context);
        return _aggregate;
    }

    /// <summary>||aggregate - reference|| (reference null: ||aggregate||).</summary>
    public double Distance(ReadOnlySpan<double> forged, double[]? reference)
    {
        var aggregate = Aggregate(forged);
        var sum = 0.0;
        for (var j = 0; j < aggregate.Length; j++)
        {
            var difference = aggregate[j] - (reference is null ? 0 : reference[j]);
            sum += difference * difference;
        }
        return Math.Sqrt(sum);
    }
}
