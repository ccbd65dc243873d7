using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using FedActors.Actors.Cluster;
using FedActors.Actors.Serialization;
using FedActors.Learning;
using Xunit;

namespace FedActors.Actors.Tests;

/// <summary>Vectors larger than an Akka frame cross between actor systems as chunks, whole and bit-identical or not at all.</summary>
public sealed class ChunkingSpec() : TestKit(Node)
{
    private const int ChunkBytes = 256 * 1024;

    /// <summary>A remoting system on loopback with a free port, whose frames cannot hold a 4 MB vector in one piece.</summary>
    private static readonly Config Node = ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp {
          hostname = 127.0.0.1
          port = 0
          maximum-frame-size = 524288b
          send-buffer-size = 1048576b
          receive-buffer-size = 1048576b
        }
        """).WithFallback(SerializationConfig.Bindings);

    private static float[] Values(int count, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (float)random.NextGaussian();
        // Bit patterns a float round trip through text or double could change.
        values[0] = float.Epsilon;
        values[1] = -0.0f;
        values[2] = BitConverter.Int32BitsToSingle(0x7F7FFFFF);
        return values;
    }

    private static void AssertBitIdentical(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual), "the vector changed on the way");
        for (var i = 0; i < 3; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(actual[i]));
    }

    private RelayChunk[] ChunksOf(object message, string recipientPath)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var header = new RelayChunk(41, 0, 0, 0, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message),
            recipientPath, "", default);
        return ChunkSplitter.Split(serializer.ToBinary(message), ChunkBytes, header).ToArray();
    }

    [Fact]
    public async Task A_million_float_gradient_crosses_to_another_system_in_chunks_and_back_bit_identical()
    {
        var other = ActorSystem.Create("fedactors-peer", Node);
        try
        {
            Sys.ActorOf(RelayActor.Props(ChunkBytes), RelayActor.Name);
            other.ActorOf(RelayActor.Props(ChunkBytes), RelayActor.Name);
            var receiver = CreateTestProbe(other);
            var sender = CreateTestProbe();
            var otherAddress = ((ExtendedActorSystem)other).Provider.DefaultAddress;
            var remoteReceiver = ((ExtendedActorSystem)Sys).Provider.ResolveActorRef(receiver.Ref.Path.ToStringWithAddress(otherAddress));
            var gradient = Values(1_000_000, 11);

            Sys.ActorSelection("/user/" + RelayActor.Name).Tell(new Outbound(remoteReceiver, new GradientReady(9, 4, gradient, 0.25)), sender.Ref);

            var arrived = receiver.ExpectMsg<GradientReady>(TimeSpan.FromSeconds(30));
            Assert.Equal((9, 4, 0.25), (arrived.Round, arrived.WorkerId, arrived.BatchLoss));
            AssertBitIdentical(gradient, arrived.Gradient);

            // The sender arrives as a local proxy on the receiving side, so a reply crosses back in chunks too.
            Assert.True(receiver.LastSender.Path.Address.HasLocalScope, $"sender {receiver.LastSender.Path} should be a local proxy");
            var forged = Values(1_000_000, 12);
            receiver.LastSender.Tell(new ForgedGradient(9, 4, forged), receiver.Ref);
            AssertBitIdentical(forged, sender.ExpectMsg<ForgedGradient>(TimeSpan.FromSeconds(30)).Gradient);
        }
        finally
        {
            await other.Terminate();
        }
    }

    [Fact]
    public void A_missing_chunk_is_an_error_and_no_frame()
    {
        var chunks = ChunksOf(new GradientReady(3, 1, Values(200_000, 5), 0), "/user/x");
        Assert.True(chunks.Length >= 3, $"{chunks.Length} chunks");
        var reassembler = new ChunkReassembler<string>();

        Assert.Null(reassembler.Accept("peer", chunks[0]).Frame);
        var (frame, errors) = reassembler.Accept("peer", chunks[2]);

        Assert.Null(frame);
        Assert.Contains(errors, e => e.Contains("chunk 1 is missing"));
        Assert.Equal(0, reassembler.Pending);
    }

    [Fact]
    public void A_message_that_never_got_its_last_chunk_is_reported_when_the_next_one_starts()
    {
        var first = ChunksOf(new GradientReady(3, 1, Values(200_000, 5), 0), "/user/x");
        var second = ChunksOf(new GradientReady(4, 1, Values(10, 6), 0), "/user/x").Select(c => c with { MessageId = 42 }).ToArray();
        var reassembler = new ChunkReassembler<string>();

        foreach (var chunk in first[..^1])
            Assert.Null(reassembler.Accept("peer", chunk).Frame);
        var (frame, errors) = reassembler.Accept("peer", second[0]);

        Assert.Contains(errors, e => e.StartsWith("message 41") && e.Contains("never arrived"));
        Assert.NotNull(frame);
        Assert.Equal(42, frame.MessageId);
    }

    [Fact]
    public void A_corrupted_chunk_fails_the_reassembled_frame_s_checksum()
    {
        var chunks = ChunksOf(new GradientReady(3, 1, Values(200_000, 5), 0), "/user/x");
        var middle = chunks[1].Payload.ToArray();
        middle[1000] ^= 0x10;
        chunks[1] = chunks[1] with { Payload = middle };
        var reassembler = new ChunkReassembler<string>();

        ReassembledFrame? frame = null;
        foreach (var chunk in chunks)
            frame = reassembler.Accept("peer", chunk).Frame ?? frame;

        Assert.NotNull(frame);
        var error = Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(frame.Frame, frame.SerializerId, frame.Manifest));
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void The_relay_drops_a_corrupted_message_and_delivers_the_next_one()
    {
        var relay = Sys.ActorOf(RelayActor.Props(ChunkBytes));
        var recipient = CreateTestProbe();
        var peer = CreateTestProbe();
        Sys.EventStream.Subscribe(TestActor, typeof(RelayedMessageDropped));
        var path = recipient.Ref.Path.ToSerializationFormat();
        var bad = ChunksOf(new GradientReady(3, 1, Values(200_000, 5), 0), path);
        var corrupted = bad[1].Payload.ToArray();
        corrupted[0] ^= 0x01;
        bad[1] = bad[1] with { Payload = corrupted };
        var good = ChunksOf(new GradientReady(4, 1, Values(200_000, 6), 0), path).Select(c => c with { MessageId = 42 }).ToArray();

        foreach (var chunk in bad.Concat(good))
            relay.Tell(chunk, peer.Ref);

        Assert.Contains("could not be read", ExpectMsg<RelayedMessageDropped>().Reason);
        var delivered = recipient.ExpectMsg<GradientReady>();
        Assert.Equal(4, delivered.Round);
        AssertBitIdentical(Values(200_000, 6), delivered.Gradient);
    }

    [Fact]
    public void A_relay_chunk_round_trips_through_its_serializer_and_a_damaged_header_is_refused()
    {
        var chunk = ChunksOf(new GradientReady(3, 1, Values(100_000, 5), 0), "akka.tcp://fedactors@127.0.0.1:1/user/x")[1] with
        {
            SenderPath = "akka.tcp://fedactors@127.0.0.1:2/user/y#17",
        };
        var serializer = Sys.Serialization.FindSerializerFor(chunk);
        Assert.IsType<RelayChunkSerializer>(serializer);
        var bytes = serializer.ToBinary(chunk);

        var back = Assert.IsType<RelayChunk>(serializer.FromBinary(bytes, typeof(RelayChunk)));
        Assert.Equal(chunk with { Payload = default }, back with { Payload = default });
        Assert.True(chunk.Payload.AsSpan().SequenceEqual(back.Payload.AsSpan()));

        bytes[50] ^= 0x01;
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, typeof(RelayChunk)));
    }
}
