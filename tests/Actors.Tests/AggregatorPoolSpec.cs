using Akka.Actor;
using Akka.TestKit.Xunit2;
using FedActors.Aggregation;
using Xunit;

namespace FedActors.Actors.Tests;

public sealed class AggregatorPoolSpec : TestKit
{
    private static GradientMatrix RandomMatrix(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var matrix = new GradientMatrix(rows, columns);
        for (var i = 0; i < rows; i++)
        {
            var row = matrix.Row(i);
            for (var j = 0; j < columns; j++)
                row[j] = (float)(random.NextDouble() * 10 - 5);
        }
        return matrix;
    }

    private static AggregationPipeline Pipeline(IAggregationRule rule) => new([], rule);

    [Theory]
    [InlineData("median", 1)]
    [InlineData("median", 3)]
    [InlineData("trimmed-mean", 4)]
    [InlineData("mean", 7)]
    public void The_shards_assemble_the_same_aggregate_as_the_rule_in_one_thread(string ruleName, int shards)
    {
        // 3100 coordinates are four 1024-blocks: the shards really split the work.
        const int rows = 9, columns = 3100;
        var rule = AggregationRules.Create(ruleName, f: 2, n: rows);
        var matrix = RandomMatrix(rows, columns, seed: shards);
        var expected = new float[columns];
        rule.Aggregate(matrix, expected);

        var pool = Sys.ActorOf(AggregatorPoolActor.Props(Pipeline(rule), shards, columns));
        var output = new float[columns];
        pool.Tell(new AggregationRequested(5, matrix, AggregationContext.ForRows(rows), output), TestActor);

        var computed = ExpectMsg<AggregateComputed>();
        Assert.Equal(5, computed.Round);
        Assert.Equal(expected, output);
        Assert.Equal(rows, computed.Report.Rows);
    }

    [Fact]
    public void A_rule_making_several_passes_gets_every_shards_partial_sums_combined()
    {
        // The Gram pass sums over all coordinates: each shard sends its block-tree nodes, the pool combines them.
        const int rows = 4, columns = 5000;
        var matrix = RandomMatrix(rows, columns, seed: 11);
        var inOneThread = new GramDiagonalRule();
        var expected = new float[columns];
        inOneThread.Aggregate(matrix, expected);

        var pooled = new GramDiagonalRule();
        var pool = Sys.ActorOf(AggregatorPoolActor.Props(Pipeline(pooled), shards: 3, columns));
        var output = new float[columns];
        pool.Tell(new AggregationRequested(1, matrix, AggregationContext.ForRows(rows), output), TestActor);

        var computed = ExpectMsg<AggregateComputed>();
        Assert.Equal(rows, computed.Report.Rows);
        Assert.Equal(inOneThread.LastNorms, pooled.LastNorms);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void A_shard_whose_work_throws_fails_the_round_instead_of_hanging_it()
    {
        var pool = Sys.ActorOf(AggregatorPoolActor.Props(Pipeline(new ThrowingRule()), shards: 2, columns: 3000));

        pool.Tell(new AggregationRequested(3, RandomMatrix(3, 3000, 1), AggregationContext.ForRows(3), new float[3000]), TestActor);

        var failed = ExpectMsg<AggregationFailed>();
        Assert.Equal(3, failed.Round);
        Assert.Contains("broken kernel", failed.Reason);

        // The pool is usable again afterwards.
        pool.Tell(new AggregationRequested(4, RandomMatrix(3, 3000, 1), AggregationContext.ForRows(3), new float[3000]), TestActor);
        Assert.Equal(4, ExpectMsg<AggregationFailed>().Round);
    }

    [Fact]
    public void A_matrix_of_another_width_is_refused()
    {
        var pool = Sys.ActorOf(AggregatorPoolActor.Props(Pipeline(new MeanRule()), shards: 2, columns: 200));

        pool.Tell(new AggregationRequested(1, RandomMatrix(3, 100, 1), AggregationContext.ForRows(3), new float[100]), TestActor);

        Assert.Contains("built for 200", ExpectMsg<AggregationFailed>().Reason);
    }

    /// <summary>A two-pass rule: the Gram matrix (a cross-shard sum), then the rows weighted by their squared norms.</summary>
    private sealed class GramDiagonalRule : IAggregationRule
    {
        public double[] LastNorms { get; private set; } = [];
        public string Name => "gram-diagonal";
        public int MinimumRows => 1;

        public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
        {
            var gram = new double[rows.Rows * rows.Rows];
            await rows.GramAsync(gram);
            var weights = Enumerable.Range(0, rows.Rows).Select(i => gram[i * rows.Rows + i]).ToArray();
            LastNorms = weights;
            await rows.WeightedSumAsync(weights, output);
        }
    }

    private sealed class ThrowingRule : ICoordinateWiseRule
    {
        public string Name => "throwing";
        public int MinimumRows => 1;
        public ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report) =>
            rows.CoordinateWiseAsync(this, output);
        public void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, AggregationWorkspace workspace) =>
            throw new IndexOutOfRangeException("broken kernel");
    }
}
