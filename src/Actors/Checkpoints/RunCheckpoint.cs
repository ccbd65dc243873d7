using System.IO.Hashing;
using FedActors.Aggregation;

namespace FedActors.Actors.Checkpoints;

/// <summary>
/// Everything a run needs to continue after round <see cref="Round"/> as if it had never stopped: the coordinator's
/// state (parameters, optimizer state, the stateful rule's state) and the metrics actor's rejection counts up to that
/// round. Random streams need no position: every draw is keyed by (seed, stream, worker, round), and the stateful
/// generators (ByzantinePGD's) are saved with the optimizer.
/// </summary>
/// <remarks>
/// File layout (little-endian, via BinaryWriter): magic "FACK", version, round, the coordinator's blob (length-prefixed),
/// the rejection counts (count, then reason and number pairs), and a CRC-32 of everything before it. The metrics actor
/// writes the file only after every metrics row up to the round is on disk, by writing a temporary file and moving it
/// over the old one, so a run killed at any moment leaves either the previous checkpoint or this one, both consistent
/// with metrics.csv.
/// </remarks>
public sealed record RunCheckpoint(int Round, byte[] CoordinatorState, IReadOnlyDictionary<RejectionReason, int> Rejections)
{
    public const string FileName = "checkpoint.bin";
    private const uint Magic = 0x4B434146; // "FACK"
    private const int Version = 1;

    /// <summary>The coordinator's part: parameters and optimizer (via the server), and the rule's state if it has one.</summary>
    public static byte[] CaptureCoordinator(ModelServer server, IAggregationRule rule)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            server.SaveState(writer);
            if (rule is IStatefulRule stateful)
            {
                writer.Write(true);
                stateful.SaveState(writer);
            }
            else
            {
                writer.Write(false);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Puts the server and the rule back where <see cref="CaptureCoordinator"/> found them.</summary>
    public static void RestoreCoordinator(byte[] state, ModelServer server, IAggregationRule rule)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        server.LoadState(reader);
        var hasRuleState = reader.ReadBoolean();
        if (hasRuleState != rule is IStatefulRule)
            throw new InvalidDataException($"the checkpoint {(hasRuleState ? "has" : "has no")} rule state but the rule {rule.Name} {(rule is IStatefulRule ? "keeps" : "keeps no")} state");
        if (rule is IStatefulRule stateful)
            stateful.LoadState(reader);
        if (reader.BaseStream.Position != reader.BaseStream.Length)
            throw new InvalidDataException("the checkpoint holds more coordinator state than this run reads: another experiment?");
    }

    public void WriteTo(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        using (var stream = new MemoryStream())
        {
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(Version);
                writer.Write(Round);
                writer.Write(CoordinatorState.Length);
                writer.Write(CoordinatorState);
                writer.Write(Rejections.Count);
                foreach (var (reason, count) in Rejections.OrderBy(entry => entry.Key))
                {
                    writer.Write((int)reason);
                    writer.Write(count);
                }
            }
            var body = stream.ToArray();
            using var file = File.Create(temporary);
            file.Write(body);
            file.Write(BitConverter.GetBytes(Crc32.HashToUInt32(body)));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a checkpoint; InvalidDataException naming the file for anything but an intact one.</summary>
    public static RunCheckpoint Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no checkpoint; the run wrote none (fedactors.checkpoint.every = 0?) or did not reach one", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4 + sizeof(uint) || BitConverter.ToUInt32(bytes, bytes.Length - 4) != Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)))
            throw new InvalidDataException($"{path}: checksum mismatch, the checkpoint is damaged");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4));
            if (reader.ReadUInt32() != Magic)
                throw new InvalidDataException($"{path}: not a FedActors checkpoint");
            var version = reader.ReadInt32();
            if (version != Version)
                throw new InvalidDataException($"{path}: checkpoint version {version}, this build reads {Version}");
            var round = reader.ReadInt32();
            var state = reader.ReadBytes(reader.ReadInt32());
            var rejections = new Dictionary<RejectionReason, int>();
            var entries = reader.ReadInt32();
            for (var i = 0; i < entries; i++)
                rejections[(RejectionReason)reader.ReadInt32()] = reader.ReadInt32();
            return new RunCheckpoint(round, state, rejections);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: the checkpoint ends early", e);
        }
    }
}

/// <summary>The coordinator's state after a round, for the metrics actor to write once that round's row is on disk.</summary>
public sealed record CheckpointCaptured(int Round, byte[] CoordinatorState);
