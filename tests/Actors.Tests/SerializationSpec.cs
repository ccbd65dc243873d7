using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using FedActors.Actors.Serialization;
using FedActors.Learning;
using Xunit;

namespace FedActors.Actors.Tests;

/// <summary>Every message that may cross nodes, through the serializers the bindings choose for it.</summary>
public sealed class SerializationSpec() : TestKit(SerializationConfig.Bindings)
{
    private object RoundTrip(object message) => Wire.RoundTrip(Sys, message);

    private static float[] Values(int count, ulong seed) => Wire.Values(count, seed);

    public static TheoryData<string> VectorMessages() =>
        ["gradient", "round", "input", "forged", "tap", "evaluation"];

    private static object Vector(string kind, float[] values) => kind switch
    {
        "gradient" => new GradientReady(7, 3, values, 0.125),
        "round" => new RoundStarted(7, values),
        "input" => new CoalitionInput(7, 3, values),
        "forged" => new ForgedGradient(7, 3, values),
        "tap" => new HonestGradientTapped(7, 3, values),
        _ => new EvaluationRequested(7, values),
    };

    private static float[] VectorOf(object message) => message switch
    {
        GradientReady m => m.Gradient,
        RoundStarted m => m.Model,
        CoalitionInput m => m.Gradient,
        ForgedGradient m => m.Gradient,
        HonestGradientTapped m => m.Gradient,
        EvaluationRequested m => m.Parameters,
        _ => throw new ArgumentException(message.GetType().Name),
    };

    [Theory]
    [MemberData(nameof(VectorMessages))]
    public void A_vector_message_round_trips_bit_for_bit_through_the_binary_serializer(string kind)
    {
        float[] values = [1.5f, -0f, float.Epsilon, float.MaxValue, BitConverter.Int32BitsToSingle(0x7FC0_1234), -3.25f];
        var message = Vector(kind, values);

        Assert.IsType<VectorMessageSerializer>(Sys.Serialization.FindSerializerFor(message));
        var back = RoundTrip(message);

        Assert.Equal(message.GetType(), back.GetType());
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), VectorOf(back).Select(BitConverter.SingleToInt32Bits));
        // The rest of the record (round, worker id, loss) compares equal once both hold the same array.
        Assert.Equal(message, Vector(kind, values));
        Assert.Equal(message, WithVector(back, values));
    }

    private static object WithVector(object message, float[] values) => message switch
    {
        GradientReady m => m with { Gradient = values },
        RoundStarted m => m with { Model = values },
        CoalitionInput m => m with { Gradient = values },
        ForgedGradient m => m with { Gradient = values },
        HonestGradientTapped m => m with { Gradient = values },
        EvaluationRequested m => m with { Parameters = values },
        _ => throw new ArgumentException(message.GetType().Name),
    };

    [Fact]
    public void A_million_float_gradient_is_a_32_byte_header_and_its_raw_values()
    {
        var gradient = Values(1_000_000, seed: 1);
        var message = new GradientReady(12, 999, gradient, 2.5);
        var serializer = Sys.Serialization.FindSerializerFor(message);

        var bytes = serializer.ToBinary(message);
        var back = (GradientReady)RoundTrip(message);

        Assert.Equal(VectorMessageSerializer.HeaderBytes + 4_000_000, bytes.Length);
        Assert.Equal((12, 999, 2.5), (back.Round, back.WorkerId, back.BatchLoss));
        Assert.Equal(gradient, back.Gradient);
    }

    [Fact]
    public void Any_truncation_or_corrupted_byte_of_a_vector_frame_fails_with_a_serialization_error()
    {
        var message = new GradientReady(3, 4, Values(50, seed: 2), 1.0);
        var serializer = (VectorMessageSerializer)Sys.Serialization.FindSerializerFor(message);
        var manifest = serializer.Manifest(message);
        var bytes = serializer.ToBinary(message);

        for (var length = 0; length < bytes.Length; length++)
            Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..length], manifest));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([.. bytes, 0], manifest));

        var random = new DeterministicRandom(3);
        for (var trial = 0; trial < 500; trial++)
        {
            var corrupted = (byte[])bytes.Clone();
            var position = random.Next(corrupted.Length);
            corrupted[position] ^= (byte)(1 + random.Next(255));
            Assert.Throws<SerializationException>(() => serializer.FromBinary(corrupted, manifest));
        }
    }

    [Fact]
    public void An_unknown_or_mismatched_manifest_is_a_serialization_error()
    {
        var serializer = (VectorMessageSerializer)Sys.Serialization.FindSerializerFor(new RoundStarted(1, [1f]));
        var bytes = serializer.ToBinary(new RoundStarted(1, [1f]));

        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "Checkpoint"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "1"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, nameof(GradientReady)));
    }

    public static TheoryData<object> OtherMessages() =>
    [
        new RoundMetrics(5, 0.25, 1.5, 0.875, 40, 2, 1, 8, 3, false, 12.5, 3.25),
        new RoundCompleted(new RoundMetrics(6, double.NaN, null, null, 0, 0, 50, 0, null, true, 0, 0)),
        new ReportRejected(2, 7, RejectionReason.NonFinite, "NaN at coordinate 3"),
        new AggregationFailed(4, "shard 1: boom"),
        new RoundDeadlinePassed(9),
        new CoalitionDeadlinePassed(9),
        new CoalitionMemberJoined(17),
        new EvaluationCompleted(10, 0.5),
        new RunEnded(100),
        new RunFailed(3, "aggregation failed"),
    ];

    [Theory]
    [MemberData(nameof(OtherMessages))]
    public void Every_other_message_round_trips_through_hyperion(object message)
    {
        Assert.IsType<HyperionSerializer>(Sys.Serialization.FindSerializerFor(message));
        Assert.Equal(message, RoundTrip(message));
    }

    [Fact]
    public void Messages_with_collections_and_actor_references_round_trip_through_hyperion()
    {
        var flushed = new MetricsFlushed(new Dictionary<RejectionReason, int> { [RejectionReason.Late] = 2, [RejectionReason.Duplicate] = 1 });
        var back = (MetricsFlushed)RoundTrip(flushed);
        Assert.Equal(flushed.RejectionsByReason, back.RejectionsByReason);

        var created = new WorkerGroupActor.WorkersCreated([TestActor, CreateTestProbe("other").Ref]);
        var workers = ((WorkerGroupActor.WorkersCreated)RoundTrip(created)).Workers;
        Assert.Equal(created.Workers, workers);

        Assert.IsType<RunRequested>(RoundTrip(RunRequested.Instance));
    }

    [Fact]
    public void A_corrupted_hyperion_frame_fails_with_a_serialization_error()
    {
        var message = new ReportRejected(2, 7, RejectionReason.NonFinite, "NaN at coordinate 3");
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var random = new DeterministicRandom(4);
        for (var trial = 0; trial < 200; trial++)
        {
            var corrupted = (byte[])bytes.Clone();
            corrupted[random.Next(corrupted.Length)] ^= (byte)(1 + random.Next(255));
            Assert.Throws<SerializationException>(() => serializer.FromBinary(corrupted, typeof(ReportRejected)));
        }
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..3], typeof(ReportRejected)));
    }
}
