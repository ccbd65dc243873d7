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

    [Theory]
    [InlineData("median", 1)]
    [InlineData("median", 3)]
    [InlineData("trimmed-mean", 4)]
    [InlineData("mean", 7)]
    public void The_pool_assembles_the_same_aggregate_as_the_rule_on_the_whole_matrix(string ruleName, int shards)
    {
        const int rows = 9, columns = 331;
        var rule = (ICoordinateWiseRule)AggregationRules.Create(ruleName, f: 2, n: rows);
        var matrix = RandomMatrix(rows, columns, seed: shards);
        var expected = new float[columns];
        rule.Aggregate(matrix, expected);

        var pool = Sys.ActorOf(AggregatorPoolActor.Props(rule, shards, columns));
        var output = new float[columns];
        pool.Tell(new AggregationRequested(5, matrix, output), TestActor);

        Assert.Equal(5, ExpectMsg<AggregateComputed>().Round);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void A_shard_whose_rule_throws_fails_the_round_instead_of_hanging_it()
    {
        var pool = Sys.ActorOf(AggregatorPoolActor.Props(new ThrowingRule(), shards: 2, columns: 200));

        pool.Tell(new AggregationRequested(3, RandomMatrix(3, 200, 1), new float[200]), TestActor);

        var failed = ExpectMsg<AggregationFailed>();
        Assert.Equal(3, failed.Round);
        Assert.Contains("broken kernel", failed.Reason);

        // The pool is usable again afterwards.
        pool.Tell(new AggregationRequested(4, RandomMatrix(3, 200, 1), new float[200]), TestActor);
        Assert.Equal(4, ExpectMsg<AggregationFailed>().Round);
    }

    [Fact]
    public void A_matrix_of_another_width_is_refused()
    {
        var pool = Sys.ActorOf(AggregatorPoolActor.Props(new MeanRule(), shards: 2, columns: 200));

        pool.Tell(new AggregationRequested(1, RandomMatrix(3, 100, 1), new float[100]), TestActor);

        Assert.Contains("built for 200", ExpectMsg<AggregationFailed>().Reason);
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
