using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using FedActors.Actors.Cluster;

namespace FedActors.Actors.Serialization;

/// <summary>
/// The wire format of <see cref="RelayChunk"/>: a fixed header, three length-prefixed UTF-8 strings (manifest,
/// recipient path, sender path) and the payload bytes. The header and strings carry their own CRC-32; the payload's
/// integrity is checked once, on the reassembled frame, by the serializer that wrote the frame.
/// </summary>
/// <remarks>
/// Layout, little-endian: magic "FAC1" (4), message id (int64), index, count, frame bytes, serializer id, payload
/// length, manifest length, recipient length, sender length (int32 each), CRC-32 of everything before it and of the
/// three strings (uint32), the strings, the payload.
/// </remarks>
public sealed class RelayChunkSerializer(ExtendedActorSystem system) : Akka.Serialization.Serializer(system)
{
    public const int SerializerId = 7403;
    private const int FixedBytes = 48;
    private const uint Magic = 0x31434146; // "FAC1" read as a little-endian uint32

    public override int Identifier => SerializerId;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        if (obj is not RelayChunk chunk)
            throw new SerializationException($"{nameof(RelayChunkSerializer)} cannot write {obj.GetType().FullName}");
        var manifest = Encoding.UTF8.GetBytes(chunk.Manifest);
        var recipient = Encoding.UTF8.GetBytes(chunk.RecipientPath);
        var sender = Encoding.UTF8.GetBytes(chunk.SenderPath);
        var strings = manifest.Length + recipient.Length + sender.Length;
        var bytes = new byte[FixedBytes + strings + chunk.Payload.Count];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], chunk.MessageId);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], chunk.Index);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], chunk.Count);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], chunk.FrameBytes);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], chunk.SerializerId);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], chunk.Payload.Count);
        BinaryPrimitives.WriteInt32LittleEndian(span[32..], manifest.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[36..], recipient.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], sender.Length);
        manifest.CopyTo(span[FixedBytes..]);
        recipient.CopyTo(span[(FixedBytes + manifest.Length)..]);
        sender.CopyTo(span[(FixedBytes + manifest.Length + recipient.Length)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[44..], HeaderChecksum(span, strings));
        chunk.Payload.AsSpan().CopyTo(span[(FixedBytes + strings)..]);
        return bytes;
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        var span = bytes.AsSpan();
        if (bytes.Length < FixedBytes)
            throw new SerializationException($"relay chunk: {bytes.Length} bytes, shorter than the {FixedBytes}-byte header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic)
            throw new SerializationException("relay chunk: bad magic");
        var payload = BinaryPrimitives.ReadInt32LittleEndian(span[28..]);
        var manifest = BinaryPrimitives.ReadInt32LittleEndian(span[32..]);
        var recipient = BinaryPrimitives.ReadInt32LittleEndian(span[36..]);
        var sender = BinaryPrimitives.ReadInt32LittleEndian(span[40..]);
        if (payload < 0 || manifest < 0 || recipient < 0 || sender < 0
            || bytes.Length != FixedBytes + (long)manifest + recipient + sender + payload)
            throw new SerializationException($"relay chunk: {bytes.Length} bytes do not hold the lengths the header announces");
        var strings = manifest + recipient + sender;
        if (BinaryPrimitives.ReadUInt32LittleEndian(span[44..]) != HeaderChecksum(span, strings))
            throw new SerializationException("relay chunk: header checksum mismatch, the chunk is corrupted");
        var manifestText = Encoding.UTF8.GetString(bytes, FixedBytes, manifest);
        var recipientText = Encoding.UTF8.GetString(bytes, FixedBytes + manifest, recipient);
        var senderText = Encoding.UTF8.GetString(bytes, FixedBytes + manifest + recipient, sender);
        var offset = FixedBytes + strings;
        return new RelayChunk(
            BinaryPrimitives.ReadInt64LittleEndian(span[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(span[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(span[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(span[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(span[24..]),
            manifestText, recipientText, senderText,
            new ArraySegment<byte>(bytes, offset, payload));
    }

    private static uint HeaderChecksum(ReadOnlySpan<byte> bytes, int strings)
    {
        var crc = new Crc32();
        crc.Append(bytes[..44]);
        crc.Append(bytes.Slice(FixedBytes, strings));
        return crc.GetCurrentHashAsUInt32();
    }
}
