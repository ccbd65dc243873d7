using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace FedActors.Actors.Serialization;

/// <summary>
/// The binary format of the messages that carry a vector (gradients, model snapshots, forged and tapped gradients):
/// a 32-byte header and the raw little-endian float32 values, with no per-element overhead and one copy each way.
/// </summary>
/// <remarks>
/// Layout, little-endian: magic "FAV1" (4 bytes), message kind (1), reserved (3, zero), round (int32), worker id
/// (int32, -1 when the message has none), batch loss (float64, 0 when none), value count (int32), CRC-32 of the header's
/// first 28 bytes and of the values (uint32), then the values. Reading checks the magic, the kind against the manifest,
/// the length against the count and the checksum, and throws <see cref="SerializationException"/> on any mismatch, so
/// a truncated or corrupted frame is refused rather than read as a wrong vector. An unknown manifest also throws
/// SerializationException, which Akka.Remote answers by dropping the message, not the connection.
/// </remarks>
public sealed class VectorMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7401;
    public const int HeaderBytes = 32;
    private const uint Magic = 0x31564146; // "FAV1" read as a little-endian uint32

    private enum Kind : byte
    {
        GradientReady = 1,
        RoundStarted = 2,
        CoalitionInput = 3,
        ForgedGradient = 4,
        HonestGradientTapped = 5,
        EvaluationRequested = 6,
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => KindOf(o).ToString();

    public override byte[] ToBinary(object obj)
    {
        var (kind, round, worker, loss, values) = obj switch
        {
            GradientReady m => (Kind.GradientReady, m.Round, m.WorkerId, m.BatchLoss, m.Gradient),
            RoundStarted m => (Kind.RoundStarted, m.Round, -1, 0.0, m.Model),
            CoalitionInput m => (Kind.CoalitionInput, m.Round, m.WorkerId, 0.0, m.Gradient),
            ForgedGradient m => (Kind.ForgedGradient, m.Round, m.WorkerId, 0.0, m.Gradient),
            HonestGradientTapped m => (Kind.HonestGradientTapped, m.Round, m.WorkerId, 0.0, m.Gradient),
            EvaluationRequested m => (Kind.EvaluationRequested, m.Round, -1, 0.0, m.Parameters),
            _ => throw new SerializationException($"{nameof(VectorMessageSerializer)} cannot write {obj.GetType().FullName}"),
        };
        var bytes = new byte[HeaderBytes + (long)values.Length * sizeof(float)];
        var header = bytes.AsSpan(0, HeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        header[4] = (byte)kind;
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], round);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], worker);
        BinaryPrimitives.WriteDoubleLittleEndian(header[16..], loss);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], values.Length);
        WriteValues(values, bytes.AsSpan(HeaderBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Checksum(bytes));
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Enum.TryParse<Kind>(manifest, out var expected) || !Enum.IsDefined(expected) || int.TryParse(manifest, out _))
            throw new SerializationException($"unknown manifest '{manifest}' for {nameof(VectorMessageSerializer)}");
        if (bytes.Length < HeaderBytes)
            throw new SerializationException($"{expected}: {bytes.Length} bytes, shorter than the {HeaderBytes}-byte header");
        var header = bytes.AsSpan(0, HeaderBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
            throw new SerializationException($"{expected}: not a vector message (bad magic)");
        if (header[4] != (byte)expected)
            throw new SerializationException($"{expected}: the frame holds kind {header[4]}");
        var count = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        if (count < 0 || bytes.Length != HeaderBytes + (long)count * sizeof(float))
            throw new SerializationException($"{expected}: {bytes.Length} bytes do not hold the {count} values the header announces");
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != Checksum(bytes))
            throw new SerializationException($"{expected}: checksum mismatch, the frame is corrupted");

        var round = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        var worker = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        var loss = BinaryPrimitives.ReadDoubleLittleEndian(header[16..]);
        var values = ReadValues(bytes.AsSpan(HeaderBytes), count);
        return expected switch
        {
            Kind.GradientReady => new GradientReady(round, worker, values, loss),
            Kind.RoundStarted => new RoundStarted(round, values),
            Kind.CoalitionInput => new CoalitionInput(round, worker, values),
            Kind.ForgedGradient => new ForgedGradient(round, worker, values),
            Kind.HonestGradientTapped => new HonestGradientTapped(round, worker, values),
            _ => new EvaluationRequested(round, values),
        };
    }

    private static Kind KindOf(object o) => o switch
    {
        GradientReady => Kind.GradientReady,
        RoundStarted => Kind.RoundStarted,
        CoalitionInput => Kind.CoalitionInput,
        ForgedGradient => Kind.ForgedGradient,
        HonestGradientTapped => Kind.HonestGradientTapped,
        EvaluationRequested => Kind.EvaluationRequested,
        _ => throw new SerializationException($"{nameof(VectorMessageSerializer)} has no manifest for {o.GetType().FullName}"),
    };

    /// <summary>CRC-32 of the header without its checksum field, then of the values.</summary>
    private static uint Checksum(byte[] bytes)
    {
        var crc = new Crc32();
        crc.Append(bytes.AsSpan(0, 28));
        crc.Append(bytes.AsSpan(HeaderBytes));
        return crc.GetCurrentHashAsUInt32();
    }

    private static void WriteValues(float[] values, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(destination);
            return;
        }
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * sizeof(float))..], values[i]);
    }

    private static float[] ReadValues(ReadOnlySpan<byte> source, int count)
    {
        var values = new float[count];
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }
        for (var i = 0; i < count; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * sizeof(float))..]);
        return values;
    }
}
