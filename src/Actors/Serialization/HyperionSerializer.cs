using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Hyperion;

namespace FedActors.Actors.Serialization;

/// <summary>
/// Every message without a vector, through the Hyperion package (our own adapter: Akka.Serialization.Hyperion is not
/// available to us). Actor references travel as their serialized path and are resolved on arrival by the receiving
/// system's provider. Each payload starts with a CRC-32 of the Hyperion bytes, so a corrupted frame fails with
/// <see cref="SerializationException"/> instead of decoding into a different message.
/// </summary>
public sealed class HyperionSerializer : Akka.Serialization.Serializer
{
    public const int SerializerId = 7402;

    private readonly Hyperion.Serializer _hyperion;

    public HyperionSerializer(ExtendedActorSystem system) : base(system)
    {
        Surrogate[] surrogates =
        [
            Surrogate.Create<IActorRef, ActorRefSurrogate>(
                actorRef => new ActorRefSurrogate(Akka.Serialization.Serialization.SerializedActorPath(actorRef)),
                surrogate => system.Provider.ResolveActorRef(surrogate.Path)),
        ];
        _hyperion = new Hyperion.Serializer(new SerializerOptions(
            versionTolerance: true,
            preserveObjectReferences: true,
            surrogates: surrogates,
            serializerFactories: null,
            knownTypes: null,
            ignoreISerializable: true,
            packageNameOverrides: null,
            // Hyperion's own blocklist of types that can run code while being read; the peers are cluster members
            // started from the same build, so no allowlist beyond that.
            disallowUnsafeTypes: true,
            typeFilter: DisabledTypeFilter.Instance));
    }

    public override int Identifier => SerializerId;

    /// <summary>Hyperion writes the type into its payload.</summary>
    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        stream.Write(stackalloc byte[sizeof(uint)]);
        _hyperion.Serialize(obj, stream);
        var bytes = stream.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Crc32.HashToUInt32(bytes.AsSpan(sizeof(uint))));
        return bytes;
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        if (bytes.Length < sizeof(uint) + 1)
            throw new SerializationException($"a {bytes.Length}-byte frame is too short for a Hyperion message");
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Crc32.HashToUInt32(bytes.AsSpan(sizeof(uint))))
            throw new SerializationException("checksum mismatch: the Hyperion frame is corrupted");
        try
        {
            using var stream = new MemoryStream(bytes, sizeof(uint), bytes.Length - sizeof(uint), writable: false);
            return _hyperion.Deserialize(stream);
        }
        catch (Exception e) when (e is not SerializationException)
        {
            throw new SerializationException($"Hyperion could not read a {bytes.Length}-byte frame: {e.Message}", e);
        }
    }
}

/// <summary>An actor reference on the wire: its full path, with the sender system's address.</summary>
public sealed record ActorRefSurrogate(string Path);
