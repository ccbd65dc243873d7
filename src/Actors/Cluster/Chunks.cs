namespace FedActors.Actors.Cluster;

/// <summary>
/// One piece of a serialized message crossing to another node's relay. Every chunk repeats the header (message id,
/// chunk count, frame length, the payload's serializer and manifest, recipient and sender paths), so the receiver can
/// check that a chunk belongs to the message it is assembling instead of trusting the first chunk alone.
/// </summary>
/// <param name="MessageId">Unique per sending relay; the receiver keys partial messages by (sending relay, id).</param>
/// <param name="Index">0-based position of this chunk; a link delivers a message's chunks in order.</param>
/// <param name="FrameBytes">Length of the whole serialized frame the chunks add up to.</param>
/// <param name="SerializerId">The Akka serializer that wrote the frame (and checks its CRC when reading it).</param>
/// <param name="SenderPath">The original sender's full path, empty for no sender.</param>
/// <param name="Payload">This chunk's bytes of the frame.</param>
public sealed record RelayChunk(
    long MessageId,
    int Index,
    int Count,
    int FrameBytes,
    int SerializerId,
    string Manifest,
    string RecipientPath,
    string SenderPath,
    ArraySegment<byte> Payload);

/// <summary>Sender side: cuts a serialized frame into chunks of at most a fixed size, without copying the frame.</summary>
public static class ChunkSplitter
{
    /// <param name="header">A chunk carrying every header field; its index, count and payload are replaced.</param>
    public static IEnumerable<RelayChunk> Split(byte[] frame, int chunkBytes, RelayChunk header)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        // An empty frame still crosses, as one empty chunk: the message exists even if it holds no bytes.
        var count = Math.Max(1, (int)((frame.LongLength + chunkBytes - 1) / chunkBytes));
        for (var index = 0; index < count; index++)
        {
            var offset = index * chunkBytes;
            var length = Math.Min(chunkBytes, frame.Length - offset);
            yield return header with
            {
                Index = index,
                Count = count,
                FrameBytes = frame.Length,
                Payload = new ArraySegment<byte>(frame, offset, length),
            };
        }
    }
}

/// <summary>A reassembled frame, ready for its serializer (which checks the frame's CRC).</summary>
public sealed record ReassembledFrame(long MessageId, int SerializerId, string Manifest, string RecipientPath, string SenderPath, byte[] Frame);

/// <summary>
/// Receiver side: rebuilds frames from chunks, per (sending relay, message id). A link between two relays delivers in
/// order, so a chunk other than the next expected one means chunks were lost, and a new message starting from a
/// sender means that sender's unfinished message lost its tail. Either is reported as an error and the partial frame
/// dropped: a message is delivered whole or not at all.
/// </summary>
public sealed class ChunkReassembler<TSender> where TSender : notnull
{
    private sealed class Partial(RelayChunk first)
    {
        public RelayChunk First { get; } = first;
        public byte[] Frame { get; } = new byte[first.FrameBytes];
        public int Next { get; set; }
        public int Filled { get; set; }
    }

    private readonly Dictionary<(TSender Sender, long MessageId), Partial> _partials = new();

    /// <summary>Messages whose chunks are still arriving.</summary>
    public int Pending => _partials.Count;

    /// <returns>The frame when <paramref name="chunk"/> completes it (null otherwise), and every error the chunk revealed.</returns>
    public (ReassembledFrame? Frame, IReadOnlyList<string> Errors) Accept(TSender sender, RelayChunk chunk)
    {
        var errors = new List<string>();
        var key = (sender, chunk.MessageId);
        if (chunk.Index == 0)
        {
            // Chunks of one sender arrive in order, so any message of it still open will never be completed.
            foreach (var abandoned in _partials.Keys.Where(k => EqualityComparer<TSender>.Default.Equals(k.Sender, sender)).ToArray())
            {
                var partial = _partials[abandoned];
                errors.Add($"message {abandoned.MessageId}: chunks {partial.Next}..{partial.First.Count - 1} of {partial.First.Count} never arrived");
                _partials.Remove(abandoned);
            }
            if (chunk.Count < 1 || chunk.FrameBytes < 0)
            {
                errors.Add($"message {chunk.MessageId}: impossible header ({chunk.Count} chunks, {chunk.FrameBytes} bytes)");
                return (null, errors);
            }
            _partials[key] = new Partial(chunk);
        }

        if (!_partials.TryGetValue(key, out var current))
        {
            errors.Add($"message {chunk.MessageId}: chunk {chunk.Index} of {chunk.Count} arrived without the chunks before it");
            return (null, errors);
        }
        var first = current.First;
        var fail = chunk.Index != current.Next ? $"chunk {chunk.Index} arrived where chunk {current.Next} was expected (chunk {current.Next} is missing)"
            : chunk.Count != first.Count || chunk.FrameBytes != first.FrameBytes || chunk.SerializerId != first.SerializerId
              || chunk.Manifest != first.Manifest || chunk.RecipientPath != first.RecipientPath || chunk.SenderPath != first.SenderPath
                ? $"chunk {chunk.Index} does not match the header of chunk 0"
            : current.Filled + chunk.Payload.Count > first.FrameBytes ? $"chunk {chunk.Index} overruns the {first.FrameBytes}-byte frame"
            : chunk.Index == first.Count - 1 && current.Filled + chunk.Payload.Count != first.FrameBytes
                ? $"the last chunk leaves the frame at {current.Filled + chunk.Payload.Count} of {first.FrameBytes} bytes"
            : null;
        if (fail is not null)
        {
            _partials.Remove(key);
            errors.Add($"message {chunk.MessageId}: {fail}");
            return (null, errors);
        }

        chunk.Payload.AsSpan().CopyTo(current.Frame.AsSpan(current.Filled));
        current.Filled += chunk.Payload.Count;
        current.Next++;
        if (current.Next < first.Count)
            return (null, errors);
        _partials.Remove(key);
        return (new ReassembledFrame(first.MessageId, first.SerializerId, first.Manifest, first.RecipientPath, first.SenderPath, current.Frame), errors);
    }

    /// <summary>Drops every partial message of a sender that went away; returns how many were dropped.</summary>
    public int Forget(TSender sender)
    {
        var keys = _partials.Keys.Where(k => EqualityComparer<TSender>.Default.Equals(k.Sender, sender)).ToArray();
        foreach (var key in keys)
            _partials.Remove(key);
        return keys.Length;
    }
}
