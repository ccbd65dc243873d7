using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FedActors.Actors.Cluster;
using FedActors.Aggregation;
using Xunit;

namespace FedActors.Actors.Tests;

/// <summary>
/// The pool with a shard placed elsewhere (a probe standing in for a shard on an aggregator node): what it is sent,
/// and what happens when it is lost in the middle of a round.
/// </summary>
public sealed class RemoteShardPoolSpec : TestKit
{
    private const int Rows = 13, F = 2, Columns = 2 * CoordinatePartition.BlockSize + 100;

    private static GradientMatrix RandomMatrix(int seed)
    {
        var random = new Random(seed);
        var matrix = new GradientMatrix(Rows, Columns);
        for (var i = 0; i < Rows; i++)
        {
            var row = matrix.Row(i);
            for (var j = 0; j < Columns; j++)
                row[j] = (float)(random.NextDouble() * 10 - 5);
        }
        return matrix;
    }

    private static AggregationPipeline Pipeline(string? pre, string rule) =>
        new(pre is null ? [] : [PreAggregators.Create(pre, F, Rows)], AggregationRules.Create(rule, F, pre is null ? Rows : Rows / 2));

    private static AggregationContext Context(int round) => new(round, Rows, Enumerable.Range(0, Rows).ToArray(), null, Fresh(round));

    private static Random Fresh(int round) => new(100 + round);

    private static float[][] InOneThread(string? pre, string rule, GradientMatrix[] rounds)
    {
        var pipeline = Pipeline(pre, rule);
        var outputs = new float[rounds.Length][];
        for (var r = 0; r < rounds.Length; r++)
        {
            outputs[r] = new float[Columns];
            pipeline.AggregateAsync(MatrixPasses.Local(rounds[r]), outputs[r], Context(r + 1), new AggregationReport()).AsTask().GetAwaiter().GetResult();
        }
        return outputs;
    }

    [Fact]
    public void A_remote_shard_gets_its_columns_once_per_round_and_each_pass_as_data()
    {
        var matrix = RandomMatrix(seed: 1);
        var expected = InOneThread(null, "geometric-median", [matrix])[0];
        var pool = Sys.ActorOf(AggregatorPoolActor.Props(Pipeline(null, "geometric-median"), shards: 2, Columns));
        var remote = CreateTestProbe();
        pool.Tell(new ShardsPlaced([null, remote.Ref]), TestActor);
        ExpectMsg<ShardsReady>();
        var range = CoordinatePartition.Split(Columns, 2)[1];
        var columns = new ShardColumns(range);

        var received = new System.Collections.Concurrent.ConcurrentQueue<object>();
        // The probe answers as the shard on the other node would: it stores the rows and runs each pass it is sent.
        remote.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            received.Enqueue(message);
            if (message is ShardRowsLoaded loaded)
                columns.Load(loaded.Rows, loaded.Values);
            else if (message is RemoteRangeWorkAssigned assigned)
                sender.Tell(new RemoteRangeWorkCompleted(assigned.Pass, assigned.ShardIndex, columns.Run(assigned.Work)));
            return AutoPilot.KeepRunning;
        }));

        var output = new float[Columns];
        pool.Tell(new AggregationRequested(1, matrix, Context(1), output, () => Fresh(1)), TestActor);

        Assert.Equal(1, ExpectMsg<AggregateComputed>().Round);
        Assert.Equal(expected, output);
        var messages = received.ToArray();
        var rows = Assert.IsType<ShardRowsLoaded>(messages[0]);
        Assert.Equal((1, 1, Rows, Rows * range.Length), (rows.Round, rows.ShardIndex, rows.Rows, rows.Values.Length));
        // Weiszfeld: the coordinate-wise median to start and the distances to it, then fused weighted-sum + distance
        // sweeps; every vector input arrives as the shard's slice only.
        var start = Assert.IsType<CoordinateWisePass>(Assert.IsType<RemoteRangeWorkAssigned>(messages[1]).Work);
        Assert.Equal("median", start.Rule.Name);
        var distances = Assert.IsType<SquaredDistancesPass>(Assert.IsType<RemoteRangeWorkAssigned>(messages[2]).Work);
        Assert.Equal(range.Length, distances.Z.Length);
        Assert.True(messages.Length > 3);
        Assert.All(messages[3..], m => Assert.True(Assert.IsType<RemoteRangeWorkAssigned>(m).Work is WeightedSumPass { Distances: true }));
    }

    [Fact]
    public async Task A_remote_shard_answers_passes_on_its_rows_and_refuses_a_pass_of_a_round_whose_rows_it_never_got()
    {
        var matrix = RandomMatrix(seed: 4);
        var range = CoordinatePartition.Split(Columns, 2)[1];
        var shard = Sys.ActorOf(RemoteShardActor.Props(1, range));
        var gram = new double[Rows * Rows];
        await MatrixPasses.Local(matrix).GramAsync(gram);

        shard.Tell(new RemoteRangeWorkAssigned(1, 1, 1, new GramPass(0)), TestActor);
        Assert.Contains("round -1, not of round 1", (await ExpectMsgAsync<RangeWorkFailed>()).Reason);

        shard.Tell(new ShardRowsLoaded(1, 1, Rows, ShardColumns.Slice(matrix, range)), TestActor);
        shard.Tell(new RemoteRangeWorkAssigned(2, 1, 1, new GramPass(0)), TestActor);
        var done = await ExpectMsgAsync<RemoteRangeWorkCompleted>();
        Assert.Equal((2L, 1), (done.Pass, done.ShardIndex));
        // Its nodes and shard 0's (computed here on the whole matrix) make the whole Gram matrix.
        var first = RangeKernels.Gram(matrix, CoordinatePartition.Split(Columns, 2)[0], new AggregationWorkspace());
        var combined = new double[Rows * Rows];
        BlockTree.Combine((Columns + CoordinatePartition.BlockSize - 1) / CoordinatePartition.BlockSize,
            first.Concat(done.Result.Nodes!), combined);
        Assert.Equal(gram, combined);

        shard.Tell(new RemoteRangeWorkAssigned(3, 1, 2, new GramPass(0)), TestActor);
        Assert.Contains("not of round 2", (await ExpectMsgAsync<RangeWorkFailed>()).Reason);
    }

    [Fact]
    public void A_shard_placed_during_a_round_takes_over_from_the_next_round()
    {
        var matrix = RandomMatrix(seed: 5);
        var pool = Sys.ActorOf(AggregatorPoolActor.Props(Pipeline(null, "median"), shards: 2, Columns));
        var remote = CreateTestProbe();

        pool.Tell(new AggregationRequested(1, matrix, Context(1), new float[Columns], () => Fresh(1)), TestActor);
        pool.Tell(new ShardsPlaced([null, remote.Ref]), TestActor);

        // The round started with both shards in process and ends there; the move is confirmed after it.
        Assert.Equal(1, ExpectMsg<AggregateComputed>().Round);
        ExpectMsg<ShardsReady>();
        remote.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        pool.Tell(new AggregationRequested(2, matrix, Context(2), new float[Columns], () => Fresh(2)), TestActor);
        Assert.Equal(2, remote.ExpectMsg<ShardRowsLoaded>().Round);
        Assert.IsType<CoordinateWisePass>(remote.ExpectMsg<RemoteRangeWorkAssigned>().Work);
    }

    public static TheoryData<string?, string> LossCases() => new()
    {
        // Bucketing draws from the rule's random stream and mixes on the shards; centered clipping carries its centre.
        { "bucketing", "geometric-median" },
        { null, "centered-clipping" },
    };

    [Theory]
    [MemberData(nameof(LossCases))]
    public void A_shard_lost_mid_round_is_taken_back_and_the_round_aggregated_again_to_the_same_bits(string? pre, string rule)
    {
        GradientMatrix[] rounds = [RandomMatrix(seed: 2), RandomMatrix(seed: 3)];
        var expected = InOneThread(pre, rule, rounds);
        var pool = Sys.ActorOf(AggregatorPoolActor.Props(Pipeline(pre, rule), shards: 2, Columns));
        var remote = CreateTestProbe();
        pool.Tell(new ShardsPlaced([null, remote.Ref]), TestActor);
        ExpectMsg<ShardsReady>();
        var columns = new ShardColumns(CoordinatePartition.Split(Columns, 2)[1]);

        var first = new float[Columns];
        pool.Tell(new AggregationRequested(1, rounds[0], Context(1), first, () => Fresh(1)), TestActor);
        var rows = remote.ExpectMsg<ShardRowsLoaded>();
        columns.Load(rows.Rows, rows.Values);
        var pass = remote.ExpectMsg<RemoteRangeWorkAssigned>();
        remote.Reply(new RemoteRangeWorkCompleted(pass.Pass, 1, columns.Run(pass.Work)));
        // The second pass is sent and never answered: the shard's node goes away.
        remote.ExpectMsg<RemoteRangeWorkAssigned>();
        Sys.Stop(remote.Ref);

        Assert.Equal(1, ExpectMsg<AggregateComputed>().Round);
        Assert.Equal(expected[0], first);

        // The rule's state after the retried round is the uninterrupted run's: the next round agrees too.
        var second = new float[Columns];
        pool.Tell(new AggregationRequested(2, rounds[1], Context(2), second, () => Fresh(2)), TestActor);
        Assert.Equal(2, ExpectMsg<AggregateComputed>().Round);
        Assert.Equal(expected[1], second);
    }
}
