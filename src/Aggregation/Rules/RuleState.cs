namespace FedActors.Aggregation;

/// <summary>
/// The header every stateful rule writes before its state: its name and a format version, so a checkpoint restored
/// into another rule, or written by an older format, fails loudly instead of loading garbage.
/// </summary>
internal static class RuleState
{
    public static void WriteHeader(BinaryWriter writer, string rule, int version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(rule);
        writer.Write(version);
    }

    public static void ReadHeader(BinaryReader reader, string rule, int version)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var name = reader.ReadString();
        var written = reader.ReadInt32();
        if (name != rule || written != version)
            throw new InvalidDataException($"state of '{name}' version {written}, expected {rule} version {version}");
    }
}
