using System.Runtime.Serialization;
using Akka.TestKit.Xunit2;
using FedActors.Actors.Cluster;
using FedActors.Actors.Serialization;
using FedActors.Aggregation;
using FedActors.Learning;
using Xunit;

namespace FedActors.Actors.Tests;

/// <summary>
/// The aggregator role's messages on the wire, and the passes as data: every rule and pre-aggregation step, run by
/// shards that hold only their own columns and talk through serialized messages, gives the single-process bits.
/// </summary>
public sealed class RemoteShardSpec() : TestKit(SerializationConfig.Bindings)
{
    private object RoundTrip(object message) => Wire.RoundTrip(Sys, message);

    private static float[] Values(int count, ulong seed) => Wire.Values(count, seed);

    public static TheoryData<string> Passes() =>
        ["coordinate-wise", "kept", "gram", "distances", "dots", "weighted-sum", "fused", "moments", "mix", "select", "copy-row"];

    private static RangePass Pass(string kind) => kind switch
    {
        "coordinate-wise" => new CoordinateWisePass(0, new CoordinateWiseRuleSpec("median", 2, 5, "median"), CountKept: false),
        "kept" => new CoordinateWisePass(1, new CoordinateWiseRuleSpec("meamed", 4, 11, "bulyan"), CountKept: true),
        "gram" => new GramPass(0),
        "distances" => new SquaredDistancesPass(2, [1.5f, -0f, float.Epsilon]),
        "dots" => new DotsPass(0, [float.MaxValue, 3f]),
        "weighted-sum" => new WeightedSumPass(0, [0.25, double.Epsilon, -1e300], Distances: false),
        "fused" => new WeightedSumPass(1, [0.5, 0.5], Distances: true),
        "moments" => new ColumnMomentsPass(3),
        "mix" => new MixPass(0, [1, 0, 0.5, 0.5], 2),
        "select" => new SelectColumnsPass(0, [0, 7, 1023]),
        _ => new CopyRowPass(1, 4),
    };

    [Theory]
    [MemberData(nameof(Passes))]
    public void Every_pass_round_trips_through_the_binary_serializer(string kind)
    {
        var message = new RemoteRangeWorkAssigned(42, 3, 8, Pass(kind));

        Assert.IsType<AggregationMessageSerializer>(Sys.Serialization.FindSerializerFor(message));
        var back = (RemoteRangeWorkAssigned)RoundTrip(message);

        Assert.Equal((42L, 3, 8), (back.Pass, back.ShardIndex, back.Round));
        Assert.Equal(Describe(message.Work), Describe(back.Work));
    }

    /// <summary>The pass's fields as text, arrays by their values' bits (records compare arrays by reference).</summary>
    private static string Describe(RangePass pass) => pass switch
    {
        SquaredDistancesPass p => $"distances {p.Source} {Bits(p.Z)}",
        DotsPass p => $"dots {p.Source} {Bits(p.V)}",
        WeightedSumPass p => $"weighted {p.Source} {p.Distances} {Bits(p.Weights)}",
        MixPass p => $"mix {p.Source} {p.OutputRows} {Bits(p.Mixing)}",
        SelectColumnsPass p => $"select {p.Source} {string.Join(',', p.Columns)}",
        _ => pass.ToString(),
    };

    private static string Bits(float[] values) => string.Join(',', values.Select(BitConverter.SingleToInt32Bits));

    private static string Bits(double[] values) => string.Join(',', values.Select(BitConverter.DoubleToInt64Bits));

    [Fact]
    public void Rows_and_answers_round_trip_bit_for_bit()
    {
        var rows = Values(3 * 1500, seed: 1);
        var loaded = (ShardRowsLoaded)RoundTrip(new ShardRowsLoaded(9, 2, 3, rows));
        Assert.Equal((9, 2, 3), (loaded.Round, loaded.ShardIndex, loaded.Rows));
        Assert.Equal(Bits(rows), Bits(loaded.Values));

        var nodes = new[] { new BlockTree.Node(2, 1, [1.0, double.NaN, -0.0]), new BlockTree.Node(0, 12, [double.MaxValue]) };
        var answer = new RemoteRangeWorkCompleted(5, 1, new RangePassResult(nodes, [1f, 2f], [3.0, 4.0, 5.0]));
        var back = (RemoteRangeWorkCompleted)RoundTrip(answer);
        Assert.Equal((5L, 1), (back.Pass, back.ShardIndex));
        Assert.Equal(nodes.Select(n => (n.Level, n.Index, Bits(n.Values))), back.Result.Nodes!.Select(n => (n.Level, n.Index, Bits(n.Values))));
        Assert.Equal([1f, 2f], back.Result.Floats!);
        Assert.Equal([3.0, 4.0, 5.0], back.Result.Doubles!);

        var empty = (RemoteRangeWorkCompleted)RoundTrip(new RemoteRangeWorkCompleted(6, 0, new RangePassResult(null, null, null)));
        Assert.Null(empty.Result.Nodes);
        Assert.Null(empty.Result.Floats);
        Assert.Null(empty.Result.Doubles);
    }

    [Fact]
    public void Any_truncation_or_corrupted_byte_of_an_aggregation_frame_fails_with_a_serialization_error()
    {
        object[] messages =
        [
            new ShardRowsLoaded(1, 0, 2, Values(20, seed: 2)),
            new RemoteRangeWorkAssigned(3, 1, 2, new WeightedSumPass(0, [0.5, 0.25], Distances: true)),
            new RemoteRangeWorkCompleted(3, 1, new RangePassResult([new BlockTree.Node(1, 0, [1.0, 2.0])], [1f], null)),
        ];
        var random = new DeterministicRandom(3);
        foreach (var message in messages)
        {
            var serializer = (AggregationMessageSerializer)Sys.Serialization.FindSerializerFor(message);
            var manifest = serializer.Manifest(message);
            var bytes = serializer.ToBinary(message);
            for (var length = 0; length < bytes.Length; length++)
                Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..length], manifest));
            Assert.Throws<SerializationException>(() => serializer.FromBinary([.. bytes, 0], manifest));
            for (var trial = 0; trial < 300; trial++)
            {
                var corrupted = (byte[])bytes.Clone();
                corrupted[random.Next(corrupted.Length)] ^= (byte)(1 + random.Next(255));
                Assert.Throws<SerializationException>(() => serializer.FromBinary(corrupted, manifest));
            }
            Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "GradientReady"));
            Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "2"));
        }
    }

    public static TheoryData<object> HyperionMessages() =>
    [
        new ShardStarted(3),
        new ShardsStarted(1, 2),
        new ShardsRefused("another experiment"),
        new RangeWorkFailed(7, 1, "boom"),
        ShardsReady.Instance,
    ];

    [Theory]
    [MemberData(nameof(HyperionMessages))]
    public void The_aggregator_roles_other_messages_round_trip_through_hyperion(object message)
    {
        Assert.IsType<HyperionSerializer>(Sys.Serialization.FindSerializerFor(message));
        Assert.Equal(message, RoundTrip(message));
    }

    [Fact]
    public void A_shard_assignment_round_trips_through_hyperion()
    {
        var assigned = new ShardsAssigned("ABCD", 1, [new ShardSpec(0, 0, 1024), new ShardSpec(2, 2048, 300)]);
        var back = (ShardsAssigned)RoundTrip(assigned);
        Assert.Equal(("ABCD", 1), (back.Fingerprint, back.Node));
        Assert.Equal(assigned.Shards, back.Shards);

        var placed = (ShardsPlaced)RoundTrip(new ShardsPlaced([TestActor, null]));
        Assert.Equal([TestActor, null], placed.Shards);
    }

    [Fact]
    public void Shards_go_round_robin_to_the_aggregator_nodes_in_address_order()
    {
        var ranges = CoordinatePartition.Split(5000, 4);
        var b = new Akka.Actor.Address("akka.tcp", "fedactors", "127.0.0.1", 2552);
        var a = new Akka.Actor.Address("akka.tcp", "fedactors", "127.0.0.1", 2551);

        var placement = ShardAssignment.Place(ranges, [b, a]);

        Assert.Equal([a, b], placement.Select(p => p.Node));
        Assert.Equal([0, 2], placement[0].Shards.Select(s => s.Index));
        Assert.Equal([1, 3], placement[1].Shards.Select(s => s.Index));
        Assert.Equal((ranges[3].Start, ranges[3].Length), (placement[1].Shards[1].Start, placement[1].Shards[1].Length));
        Assert.Empty(ShardAssignment.Place(ranges, []));
    }

    /// <summary>Shards that hold only their columns, reached through the serializer both ways, as on another node.</summary>
    private sealed class WireExecutor : IRangeExecutor
    {
        private readonly CoordinateRange[] _ranges;
        private readonly ShardColumns?[] _shards;
        private readonly Func<object, object> _wire;

        public WireExecutor(GradientMatrix matrix, int shards, Func<object, object> wire)
        {
            _ranges = CoordinatePartition.Split(matrix.Columns, shards);
            _wire = wire;
            _shards = new ShardColumns?[shards];
            for (var s = 0; s < shards; s++)
            {
                if (_ranges[s].Length == 0)
                    continue;
                var loaded = (ShardRowsLoaded)wire(new ShardRowsLoaded(1, s, matrix.Rows, ShardColumns.Slice(matrix, _ranges[s])));
                _shards[s] = new ShardColumns(_ranges[s]);
                _shards[s]!.Load(loaded.Rows, loaded.Values);
            }
        }

        public int PassesRun { get; private set; }

        public IReadOnlyList<CoordinateRange> Ranges => _ranges;

        /// <summary>So row copies and column selections also go to the shards as passes.</summary>
        public bool SharesMatrices => false;

        public int CopyRowPasses { get; private set; }

        public int SelectPasses { get; private set; }

        public ValueTask<IReadOnlyList<BlockTree.Node>?[]> RunAsync(RangeWork work) =>
            throw new InvalidOperationException("a remote shard cannot run a closure");

        public ValueTask<IReadOnlyList<BlockTree.Node>?[]> RunAsync(RangePassPlan plan)
        {
            PassesRun++;
            var results = new IReadOnlyList<BlockTree.Node>?[_ranges.Length];
            for (var s = 0; s < _ranges.Length; s++)
            {
                if (_shards[s] is not { } shard)
                    continue;
                var assigned = (RemoteRangeWorkAssigned)_wire(new RemoteRangeWorkAssigned(PassesRun, s, 1, plan.Describe(_ranges[s])));
                CopyRowPasses += assigned.Work is CopyRowPass ? 1 : 0;
                SelectPasses += assigned.Work is SelectColumnsPass ? 1 : 0;
                var done = (RemoteRangeWorkCompleted)_wire(new RemoteRangeWorkCompleted(assigned.Pass, s, shard.Run(assigned.Work)));
                plan.Place(_ranges[s], done.Result);
                results[s] = done.Result.Nodes;
            }
            return ValueTask.FromResult(results);
        }
    }

    public static TheoryData<string, string?> Pipelines()
    {
        var data = new TheoryData<string, string?>();
        foreach (var rule in AggregationRules.Names)
            data.Add(rule, null);
        // Bucketing halves the rows, too few for Krum's n > 2f + 2.
        foreach (var pre in PreAggregators.Names)
            data.Add(pre == "bucketing" ? "geometric-median" : "krum", pre);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task Every_rule_on_shards_that_hold_only_their_columns_gives_the_single_process_bits(string rule, string? pre)
    {
        // Three shards, four blocks: shard boundaries fall inside the block tree, and the last block is partial.
        const int n = 15, f = 3, d = 3 * CoordinatePartition.BlockSize + 300;
        var matrix = new GradientMatrix(n, d);
        var values = Values(n * d, seed: 11);
        for (var i = 0; i < n; i++)
            values.AsSpan(i * d, d).CopyTo(matrix.Row(i));
        AggregationPipeline Pipeline() => new(
            pre is null ? [] : [PreAggregators.Create(pre, f, n)], AggregationRules.Create(rule, f, pre == "bucketing" ? n / 2 : n));
        AggregationContext Context() => new(1, n, Enumerable.Range(0, n).ToArray(), Values(d, seed: 12), new Random(5));

        var expected = new float[d];
        var expectedReport = new AggregationReport();
        await Pipeline().AggregateAsync(MatrixPasses.Local(matrix), expected, Context(), expectedReport);
        var wire = new WireExecutor(matrix, shards: 3, RoundTrip);
        var actual = new float[d];
        var actualReport = new AggregationReport();
        await Pipeline().AggregateAsync(new MatrixPasses(matrix, wire), actual, Context(), actualReport);

        Assert.True(wire.PassesRun > 0);
        // Krum's selected row and BGMD's block are gathered from the shards, not read from the caller's matrix.
        if (rule == "krum")
            Assert.True(wire.CopyRowPasses > 0);
        if (rule == "bgmd")
            Assert.True(wire.SelectPasses > 0);
        Assert.Equal(Bits(expected), Bits(actual));
        Assert.Equal(Bits(expectedReport.Weights.ToArray()), Bits(actualReport.Weights.ToArray()));
    }
}
