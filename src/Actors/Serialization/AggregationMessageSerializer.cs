using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using FedActors.Actors.Cluster;
using FedActors.Aggregation;

namespace FedActors.Actors.Serialization;

/// <summary>
/// The binary format of the aggregator role's vector-carrying messages: a shard's slice of the round's rows, a pass
/// described as data (<see cref="RangePass"/>) and a shard's answer (block-tree nodes in double, coordinate-wise values).
/// Arrays are raw little-endian values behind their length, with no per-element overhead.
/// </summary>
/// <remarks>
/// Layout: magic "FAS1" (4 bytes), message kind (1), the body (little-endian, as <see cref="BinaryWriter"/> writes it),
/// CRC-32 of everything before it (4). Reading checks magic, kind against the manifest, checksum, every length against
/// the bytes left and that the body is consumed exactly, and throws <see cref="SerializationException"/> otherwise, so
/// a truncated or corrupted frame is refused rather than read as a wrong pass or wrong partial sums.
/// </remarks>
public sealed class AggregationMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7404;
    private const uint Magic = 0x31534146; // "FAS1" read as a little-endian uint32

    private enum Kind : byte
    {
        ShardRowsLoaded = 1,
        RemoteRangeWorkAssigned = 2,
        RemoteRangeWorkCompleted = 3,
    }

    private enum PassKind : byte
    {
        CoordinateWise = 1,
        Gram = 2,
        SquaredDistances = 3,
        Dots = 4,
        WeightedSum = 5,
        ColumnMoments = 6,
        Mix = 7,
        SelectColumns = 8,
        CopyRow = 9,
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => KindOf(o).ToString();

    public override byte[] ToBinary(object obj)
    {
        var kind = KindOf(obj);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write((byte)kind);
            switch (obj)
            {
                case ShardRowsLoaded m:
                    writer.Write(m.Round);
                    writer.Write(m.ShardIndex);
                    writer.Write(m.Rows);
                    WriteArray(writer, m.Values);
                    break;
                case RemoteRangeWorkAssigned m:
                    writer.Write(m.Pass);
                    writer.Write(m.ShardIndex);
                    writer.Write(m.Round);
                    WritePass(writer, m.Work);
                    break;
                case RemoteRangeWorkCompleted m:
                    writer.Write(m.Pass);
                    writer.Write(m.ShardIndex);
                    WriteResult(writer, m.Result);
                    break;
            }
        }
        var length = (int)stream.Length;
        stream.Write(stackalloc byte[sizeof(uint)]);
        var bytes = stream.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(length), Crc32.HashToUInt32(bytes.AsSpan(0, length)));
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Enum.TryParse<Kind>(manifest, out var expected) || !Enum.IsDefined(expected) || int.TryParse(manifest, out _))
            throw new SerializationException($"unknown manifest '{manifest}' for {nameof(AggregationMessageSerializer)}");
        if (bytes.Length < 5 + sizeof(uint))
            throw new SerializationException($"{expected}: {bytes.Length} bytes, too short for a frame");
        var body = bytes.Length - sizeof(uint);
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(body)) != Crc32.HashToUInt32(bytes.AsSpan(0, body)))
            throw new SerializationException($"{expected}: checksum mismatch, the frame is corrupted");
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
            throw new SerializationException($"{expected}: not an aggregation message (bad magic)");
        if (bytes[4] != (byte)expected)
            throw new SerializationException($"{expected}: the frame holds kind {bytes[4]}");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 5, body - 5, writable: false), Encoding.UTF8);
            object message = expected switch
            {
                Kind.ShardRowsLoaded => new ShardRowsLoaded(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), ReadFloats(reader)),
                Kind.RemoteRangeWorkAssigned => new RemoteRangeWorkAssigned(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), ReadPass(reader)),
                _ => new RemoteRangeWorkCompleted(reader.ReadInt64(), reader.ReadInt32(), ReadResult(reader)),
            };
            if (reader.BaseStream.Position != reader.BaseStream.Length)
                throw new SerializationException($"{expected}: {reader.BaseStream.Length - reader.BaseStream.Position} bytes left over after the message");
            return message;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or DecoderFallbackException)
        {
            throw new SerializationException($"{expected}: the frame does not hold a whole message: {e.Message}", e);
        }
    }

    private static Kind KindOf(object o) => o switch
    {
        ShardRowsLoaded => Kind.ShardRowsLoaded,
        RemoteRangeWorkAssigned => Kind.RemoteRangeWorkAssigned,
        RemoteRangeWorkCompleted => Kind.RemoteRangeWorkCompleted,
        _ => throw new SerializationException($"{nameof(AggregationMessageSerializer)} has no manifest for {o.GetType().FullName}"),
    };

    private static void WritePass(BinaryWriter writer, RangePass pass)
    {
        var kind = pass switch
        {
            CoordinateWisePass => PassKind.CoordinateWise,
            GramPass => PassKind.Gram,
            SquaredDistancesPass => PassKind.SquaredDistances,
            DotsPass => PassKind.Dots,
            WeightedSumPass => PassKind.WeightedSum,
            ColumnMomentsPass => PassKind.ColumnMoments,
            MixPass => PassKind.Mix,
            SelectColumnsPass => PassKind.SelectColumns,
            CopyRowPass => PassKind.CopyRow,
            _ => throw new SerializationException($"no wire format for pass {pass.GetType().FullName}"),
        };
        writer.Write((byte)kind);
        writer.Write(pass.Source);
        switch (pass)
        {
            case CoordinateWisePass p:
                writer.Write(p.Rule.Name);
                writer.Write(p.Rule.F);
                writer.Write(p.Rule.MinimumRows);
                writer.Write(p.Rule.Label);
                writer.Write(p.CountKept);
                break;
            case SquaredDistancesPass p:
                WriteArray(writer, p.Z);
                break;
            case DotsPass p:
                WriteArray(writer, p.V);
                break;
            case WeightedSumPass p:
                WriteArray(writer, p.Weights);
                writer.Write(p.Distances);
                break;
            case MixPass p:
                WriteArray(writer, p.Mixing);
                writer.Write(p.OutputRows);
                break;
            case SelectColumnsPass p:
                WriteArray(writer, p.Columns);
                break;
            case CopyRowPass p:
                writer.Write(p.Row);
                break;
        }
    }

    private static RangePass ReadPass(BinaryReader reader)
    {
        var kind = (PassKind)reader.ReadByte();
        var source = reader.ReadInt32();
        return kind switch
        {
            PassKind.CoordinateWise => new CoordinateWisePass(source,
                new CoordinateWiseRuleSpec(reader.ReadString(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadString()), reader.ReadBoolean()),
            PassKind.Gram => new GramPass(source),
            PassKind.SquaredDistances => new SquaredDistancesPass(source, ReadFloats(reader)),
            PassKind.Dots => new DotsPass(source, ReadFloats(reader)),
            PassKind.WeightedSum => new WeightedSumPass(source, ReadArray<double>(reader), reader.ReadBoolean()),
            PassKind.ColumnMoments => new ColumnMomentsPass(source),
            PassKind.Mix => new MixPass(source, ReadArray<double>(reader), reader.ReadInt32()),
            PassKind.SelectColumns => new SelectColumnsPass(source, ReadArray<int>(reader)),
            PassKind.CopyRow => new CopyRowPass(source, reader.ReadInt32()),
            _ => throw new SerializationException($"unknown pass kind {(byte)kind}"),
        };
    }

    private static void WriteResult(BinaryWriter writer, RangePassResult result)
    {
        writer.Write(result.Nodes is null ? -1 : result.Nodes.Count);
        foreach (var node in result.Nodes ?? [])
        {
            writer.Write(node.Level);
            writer.Write(node.Index);
            WriteArray(writer, node.Values);
        }
        WriteOptional(writer, result.Floats);
        WriteOptional(writer, result.Doubles);
    }

    private static RangePassResult ReadResult(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        BlockTree.Node[]? nodes = null;
        if (count >= 0)
        {
            // A node is at least 12 bytes; a count the frame cannot hold is corruption, not a reason to allocate.
            if (count > (reader.BaseStream.Length - reader.BaseStream.Position) / 12)
                throw new SerializationException($"{count} nodes announced in a frame too short for them");
            nodes = new BlockTree.Node[count];
            for (var i = 0; i < count; i++)
                nodes[i] = new BlockTree.Node(reader.ReadInt32(), reader.ReadInt32(), ReadArray<double>(reader));
        }
        else if (count != -1)
            throw new SerializationException($"node count {count}");
        return new RangePassResult(nodes, ReadOptional<float>(reader), ReadOptional<double>(reader));
    }

    private static void WriteOptional<T>(BinaryWriter writer, T[]? values) where T : unmanaged
    {
        writer.Write(values is not null);
        if (values is not null)
            WriteArray(writer, values);
    }

    private static T[]? ReadOptional<T>(BinaryReader reader) where T : unmanaged =>
        reader.ReadBoolean() ? ReadArray<T>(reader) : null;

    private static float[] ReadFloats(BinaryReader reader) => ReadArray<float>(reader);

    private static void WriteArray<T>(BinaryWriter writer, T[] values) where T : unmanaged
    {
        writer.Write(values.Length);
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        foreach (var value in values)
        {
            switch (value)
            {
                case float f: writer.Write(f); break;
                case double d: writer.Write(d); break;
                case int i: writer.Write(i); break;
                default: throw new SerializationException($"no wire format for {typeof(T).Name}");
            }
        }
    }

    private static T[] ReadArray<T>(BinaryReader reader) where T : unmanaged
    {
        var count = reader.ReadInt32();
        var size = Marshal.SizeOf<T>();
        if (count < 0 || (long)count * size > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new SerializationException($"an array of {count} {typeof(T).Name} values does not fit in the frame's remaining bytes");
        var values = new T[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (reader.Read(bytes) != bytes.Length)
            throw new SerializationException("the frame ended inside an array");
        if (!BitConverter.IsLittleEndian)
        {
            for (var i = 0; i < count; i++)
                bytes.Slice(i * size, size).Reverse();
        }
        return values;
    }
}
