using System.Buffers.Binary;
using System.IO.Compression;

namespace FedActors.Learning;

/// <summary>
/// A malformed IDX file (or a pair of files that do not match). The message starts with the file's path and says
/// what is wrong.
/// </summary>
public sealed class IdxFormatException(string filePath, string problem) : IOException($"{filePath}: {problem}")
{
    public string FilePath { get; } = filePath;

    public string Problem { get; } = problem;
}

/// <summary>What an IDX header declares: the size of each dimension, the first one counting the items.</summary>
public sealed class IdxHeader
{
    internal IdxHeader(int[] dimensions, int headerBytes)
    {
        Dimensions = dimensions;
        HeaderBytes = headerBytes;
        long itemSize = 1;
        for (int k = 1; k < dimensions.Length; k++)
        {
            itemSize *= dimensions[k];
        }
        ItemSize = (int)itemSize;
    }

    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The number of items: the size of the first dimension.</summary>
    public int Count => Dimensions[0];

    /// <summary>Values per item: the product of the other dimensions (1 for a one-dimensional file).</summary>
    public int ItemSize { get; }

    /// <summary>4 bytes of magic plus 4 per dimension.</summary>
    public int HeaderBytes { get; }
}

/// <summary>The values of an IDX file of unsigned bytes, or of its first items.</summary>
/// <param name="Dimensions">The shape read: the first dimension is the number of items read, not the number declared.</param>
/// <param name="Values">Row-major, Dimensions' product bytes.</param>
public sealed record IdxData(IReadOnlyList<int> Dimensions, byte[] Values);

/// <summary>
/// Reads the IDX format of LeCun's MNIST files (and of Fashion-MNIST, which copies it): bytes 0 and 1 are zero, byte 2
/// is the value type, byte 3 the number of dimensions, then each dimension's size as a big-endian 32-bit integer, then
/// the values in row-major order. A file that starts with the gzip magic 1f 8b is decompressed on the fly, whatever
/// its name. Only unsigned bytes (type 0x08) are supported, which is what image and label files use.
/// Every malformed file raises an <see cref="IdxFormatException"/> naming the file.
/// </summary>
public static class IdxFile
{
    public const byte UnsignedByte = 0x08;

    private const int InitialGzipBuffer = 1 << 20;

    /// <summary>Reads and checks the header only; cheap even for a large gzipped file.</summary>
    public static IdxHeader ReadHeader(string path)
    {
        using var stream = Open(path);
        return Guarded(path, () => ReadHeader(stream, path));
    }

    /// <summary>
    /// Reads the first <paramref name="maxItems"/> items (all when null). Reading all items also checks that nothing
    /// follows them; reading fewer leaves the rest of the file unread, so damage past the items read goes unnoticed.
    /// </summary>
    public static IdxData Read(string path, int? maxItems = null)
    {
        using var stream = Open(path);
        return Guarded(path, () =>
        {
            var header = ReadHeader(stream, path);
            int count = header.Count;
            if (maxItems is { } limit)
            {
                if (limit < 0 || limit > header.Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(maxItems), limit,
                        $"{path} holds {header.Count} items; cannot read {limit}.");
                }
                count = limit;
            }

            long expected = (long)count * header.ItemSize;
            var values = ReadValues(stream, path, header, expected);
            if (count == header.Count)
            {
                long extra = CountRemaining(stream);
                if (extra > 0)
                {
                    throw new IdxFormatException(path,
                        $"{extra} bytes follow the {header.Count} items the header declares ({Shape(header.Dimensions)}); " +
                        "the file has trailing garbage or its header undercounts");
                }
            }

            var dimensions = header.Dimensions.ToArray();
            dimensions[0] = count;
            return new IdxData(dimensions, values);
        });
    }

    /// <summary>The file, decompressing when its first two bytes are the gzip magic.</summary>
    private static Stream Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int read = ReadFully(file, magic);
        file.Position = 0;
        if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            return new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16);
        }
        return file;
    }

    /// <summary>Turns the decompressor's complaint about a damaged gzip stream into one that names the file.</summary>
    private static T Guarded<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException(path, $"is not a valid gzip stream ({e.Message})");
        }
    }

    private static IdxHeader ReadHeader(Stream stream, string path)
    {
        Span<byte> magic = stackalloc byte[4];
        int read = ReadFully(stream, magic);
        if (read < 4)
        {
            throw new IdxFormatException(path, $"is {read} bytes long; an IDX header needs at least 4");
        }
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new IdxFormatException(path,
                $"does not start with the IDX magic 00 00 (found {magic[0]:x2} {magic[1]:x2}); it is not an IDX file");
        }
        if (magic[2] != UnsignedByte)
        {
            throw new IdxFormatException(path, TypeName(magic[2]) is { } name
                ? $"holds {name} values (type 0x{magic[2]:x2}); only unsigned bytes (type 0x08) are supported"
                : $"has unknown IDX value type 0x{magic[2]:x2}; only unsigned bytes (type 0x08) are supported");
        }
        int rank = magic[3];
        if (rank == 0)
        {
            throw new IdxFormatException(path, "declares no dimensions (byte 3 of the header is 0)");
        }

        Span<byte> sizes = stackalloc byte[4 * rank];
        read = ReadFully(stream, sizes);
        if (read < sizes.Length)
        {
            throw new IdxFormatException(path,
                $"is truncated inside its header: {rank} dimension sizes need {sizes.Length} bytes after the magic, found {read}");
        }

        var dimensions = new int[rank];
        long total = 1;
        for (int k = 0; k < rank; k++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(sizes.Slice(4 * k, 4));
            if (size == 0)
            {
                throw new IdxFormatException(path, $"declares dimension {k} of size 0");
            }
            // Bounding each size keeps the running product below 2^62, so it cannot overflow before the check.
            if (size > Array.MaxLength || (total *= size) > Array.MaxLength)
            {
                throw new IdxFormatException(path,
                    $"declares dimensions {string.Join(" x ", ReadSizes(sizes, rank))}, more than {Array.MaxLength} values; the header is corrupt");
            }
            dimensions[k] = (int)size;
        }
        return new IdxHeader(dimensions, 4 + sizes.Length);
    }

    private static byte[] ReadValues(Stream stream, string path, IdxHeader header, long expected)
    {
        // A raw file's length is known, so a truncated one fails before allocating; a gzipped one grows its buffer as
        // data actually arrives, so a corrupt header claiming gigabytes cannot make it allocate them up front.
        if (stream.CanSeek && stream.Length - stream.Position < expected)
        {
            throw Truncated(path, header, expected, stream.Length - stream.Position);
        }
        var values = new byte[stream.CanSeek ? expected : Math.Min(expected, InitialGzipBuffer)];
        int filled = 0;
        while (filled < expected)
        {
            if (filled == values.Length)
            {
                Array.Resize(ref values, (int)Math.Min(expected, 2L * values.Length));
            }
            int read = stream.Read(values, filled, values.Length - filled);
            if (read == 0)
            {
                throw Truncated(path, header, expected, filled);
            }
            filled += read;
        }
        return values;
    }

    private static IdxFormatException Truncated(string path, IdxHeader header, long expected, long found) =>
        new(path, $"is truncated: its header declares {Shape(header.Dimensions)}, but only {found} of the {expected} data bytes " +
            "to read follow the header");

    private static long CountRemaining(Stream stream)
    {
        if (stream.CanSeek)
        {
            return stream.Length - stream.Position;
        }
        var scratch = new byte[1 << 16];
        long extra = 0;
        int read;
        while ((read = stream.Read(scratch, 0, scratch.Length)) > 0)
        {
            extra += read;
        }
        return extra;
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = stream.Read(buffer[filled..]);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }

    private static IEnumerable<uint> ReadSizes(ReadOnlySpan<byte> sizes, int rank)
    {
        var result = new uint[rank];
        for (int k = 0; k < rank; k++)
        {
            result[k] = BinaryPrimitives.ReadUInt32BigEndian(sizes.Slice(4 * k, 4));
        }
        return result;
    }

    private static string Shape(IReadOnlyList<int> dimensions) => string.Join(" x ", dimensions);

    private static string? TypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => null,
    };
}
