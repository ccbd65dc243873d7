using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using FedActors.Aggregation;

namespace FedActors.Host.Npy;

/// <summary>Element type of an array this reader loads.</summary>
public enum NpyDataType
{
    Float32,
    Float64,
}

/// <summary>An .npy file this reader cannot use; the message says what is wrong (the caller names the file).</summary>
public sealed class NpyFormatException(string message) : Exception(message);

/// <summary>The header of an .npy file: format version, NumPy dtype descriptor (e.g. "&lt;f4"), memory order and shape.</summary>
public sealed record NpyHeader(int MajorVersion, int MinorVersion, string Descr, bool FortranOrder, IReadOnlyList<long> Shape)
{
    /// <summary>The shape as Python prints it: "(2, 3)", "(6,)", "()".</summary>
    public string ShapeText => Shape.Count == 1 ? $"({Shape[0]},)" : $"({string.Join(", ", Shape)})";
}

/// <summary>A 2-D .npy array loaded as a gradient matrix (row i = worker i), and the element type it was stored in.</summary>
public sealed record NpyMatrix(GradientMatrix Matrix, NpyDataType StoredAs);

/// <summary>
/// Reads and writes NumPy's .npy format (versions 1.0, 2.0 and 3.0, as specified in numpy/lib/format.py): the magic
/// "\x93NUMPY", two version bytes, the header length (little-endian u16 in 1.0, u32 in 2.0 and 3.0), a Python dict
/// literal <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c> padded with spaces and a newline, then
/// the raw elements. Reads 2-D little-endian float32 or float64 arrays in C order into a <see cref="GradientMatrix"/>;
/// writes 1-D float32 vectors byte-for-byte as <c>np.save</c> does.
/// </summary>
public static class NpyFile
{
    private static ReadOnlySpan<byte> Magic => new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    // NumPy's own reader refuses headers over 10000 bytes by default; a bit more slack here costs nothing.
    private const int MaxHeaderLength = 1 << 20;

    // np.save pads to 64 bytes so the data can be memory-mapped aligned; it also leaves room for the first axis to
    // grow to 21 digits (numpy.lib.format.GROWTH_AXIS_MAX_DIGITS), which the padding below reproduces.
    private const int ArrayAlign = 64;
    private const int GrowthAxisMaxDigits = 21;

    // Rows are streamed in chunks so no buffer depends on d.
    private const int ChunkElements = 1 << 16;

    /// <summary>Reads the 2-D float32 or float64 array in <paramref name="path"/> (float64 is rounded to float32).</summary>
    /// <exception cref="NpyFormatException">The file is not an .npy file this reader can load; the message says why.</exception>
    public static NpyMatrix ReadMatrix(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return ReadMatrix(stream);
    }

    /// <summary>Reads a 2-D array from <paramref name="stream"/>, positioned at the magic string.</summary>
    public static NpyMatrix ReadMatrix(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("the .npy reader copies little-endian data as is");
        var header = ReadHeader(stream);
        var type = header.Descr switch
        {
            "<f4" => NpyDataType.Float32,
            "<f8" => NpyDataType.Float64,
            _ => throw new NpyFormatException(
                $"unsupported dtype '{header.Descr}'{DescribeDescr(header.Descr)}; this reader takes '<f4' (float32) or '<f8' (float64)"),
        };
        if (header.FortranOrder)
            throw new NpyFormatException(
                "the array is stored in Fortran (column-major) order; save a C-ordered array, e.g. np.save(path, np.ascontiguousarray(x))");
        if (header.Shape.Count != 2)
            throw new NpyFormatException(
                $"shape {header.ShapeText} is {header.Shape.Count}-D; expected a 2-D array with one row per worker");
        var (rows, columns) = (header.Shape[0], header.Shape[1]);
        if (rows < 1 || columns < 1)
            throw new NpyFormatException($"shape {header.ShapeText} is empty; expected at least one row and one column");
        if (rows > int.MaxValue || columns > int.MaxValue || rows * columns > Array.MaxLength)
            throw new NpyFormatException($"shape {header.ShapeText} is too large for a gradient matrix");

        var elementSize = type == NpyDataType.Float32 ? sizeof(float) : sizeof(double);
        var dataBytes = rows * columns * elementSize;
        if (stream.CanSeek)
        {
            var available = stream.Length - stream.Position;
            if (available < dataBytes)
                throw new NpyFormatException(
                    $"truncated data: shape {header.ShapeText} of {TypeName(type)} needs {dataBytes} bytes, the file has {available} after the header");
            if (available > dataBytes)
                throw new NpyFormatException(
                    $"{available - dataBytes} bytes follow the {dataBytes} bytes of data that shape {header.ShapeText} of {TypeName(type)} describes");
        }

        GradientMatrix matrix;
        try
        {
            matrix = new GradientMatrix((int)rows, (int)columns);
        }
        catch (ArgumentException e)
        {
            throw new NpyFormatException($"shape {header.ShapeText} is too large: {e.Message}");
        }

        try
        {
            if (type == NpyDataType.Float32)
                ReadFloat32Rows(stream, matrix);
            else
                ReadFloat64Rows(stream, matrix);
        }
        catch (EndOfStreamException)
        {
            throw new NpyFormatException($"truncated data: shape {header.ShapeText} of {TypeName(type)} needs {dataBytes} bytes");
        }
        return new NpyMatrix(matrix, type);
    }

    /// <summary>Reads and checks the magic string, version and header dict, leaving the stream at the first data byte.</summary>
    /// <exception cref="NpyFormatException">Not an .npy file, an unknown version, or a header that is not a valid dict.</exception>
    public static NpyHeader ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        var got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < Magic.Length || !prefix[..Magic.Length].SequenceEqual(Magic))
            throw new NpyFormatException(got < Magic.Length && prefix[..got].SequenceEqual(Magic[..got])
                ? $"too short to be a .npy file ({got} bytes)"
                : "not a .npy file: it does not start with the magic string \\x93NUMPY");
        if (got < prefix.Length)
            throw new NpyFormatException("truncated header: the file ends inside the format version");
        var (major, minor) = (prefix[6], prefix[7]);
        if (minor != 0 || major is < 1 or > 3)
            throw new NpyFormatException($"unsupported .npy format version {major}.{minor}; this reader knows 1.0, 2.0 and 3.0");

        Span<byte> lengthBytes = stackalloc byte[major == 1 ? 2 : 4];
        if (stream.ReadAtLeast(lengthBytes, lengthBytes.Length, throwOnEndOfStream: false) < lengthBytes.Length)
            throw new NpyFormatException("truncated header: the file ends inside the header length");
        var headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength)
            throw new NpyFormatException($"the header claims {headerLength} bytes, more than the {MaxHeaderLength} this reader accepts");
        var headerBytes = new byte[headerLength];
        var headerRead = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (headerRead < headerBytes.Length)
            throw new NpyFormatException($"truncated header: {headerLength} bytes announced, {headerRead} present");

        // Versions 1.0 and 2.0 store the header in latin-1; 3.0 exists only to allow UTF-8 (field names in structured dtypes).
        string text;
        try
        {
            text = major == 3 ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new NpyFormatException("the version 3.0 header is not valid UTF-8");
        }

        Dictionary<string, object?> dict;
        try
        {
            dict = PythonLiteral.ParseDict(text);
        }
        catch (FormatException e)
        {
            throw new NpyFormatException($"the header is not a valid Python dict literal: {e.Message}: {Abbreviate(text)}");
        }
        return CheckedHeader(major, minor, dict);
    }

    /// <summary>Writes <paramref name="values"/> to <paramref name="path"/> as a 1-D '&lt;f4' array, the bytes np.save writes.</summary>
    public static void WriteVector(string path, ReadOnlySpan<float> values)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        WriteVector(stream, values);
    }

    /// <summary>Writes <paramref name="values"/> to <paramref name="stream"/> as a version 1.0 .npy file of shape (d,).</summary>
    public static void WriteVector(Stream stream, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("the .npy writer copies float32 data as little-endian bytes");
        var length = values.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({length},), }}" + new string(' ', GrowthAxisMaxDigits - length.Length);
        // As numpy.lib.format._wrap_header: spaces then '\n' up to the next multiple of 64, a full 64 when already aligned.
        var unpadded = Magic.Length + 2 + sizeof(ushort) + dict.Length + 1;
        var header = dict + new string(' ', ArrayAlign - unpadded % ArrayAlign) + "\n";

        Span<byte> prefix = stackalloc byte[Magic.Length + 2 + sizeof(ushort)];
        Magic.CopyTo(prefix);
        prefix[Magic.Length] = 1;
        prefix[Magic.Length + 1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[(Magic.Length + 2)..], checked((ushort)header.Length));
        stream.Write(prefix);
        stream.Write(Encoding.ASCII.GetBytes(header));
        for (var start = 0; start < values.Length; start += ChunkElements)
            stream.Write(MemoryMarshal.AsBytes(values.Slice(start, Math.Min(ChunkElements, values.Length - start))));
    }

    private static NpyHeader CheckedHeader(int major, int minor, Dictionary<string, object?> dict)
    {
        foreach (var key in new[] { "descr", "fortran_order", "shape" })
        {
            if (!dict.ContainsKey(key))
                throw new NpyFormatException($"the header has no '{key}' key");
        }
        var unexpected = dict.Keys.FirstOrDefault(key => key is not ("descr" or "fortran_order" or "shape"));
        if (unexpected is not null)
            throw new NpyFormatException($"the header has an unexpected key '{unexpected}' (an .npy header has exactly descr, fortran_order and shape)");

        var descr = dict["descr"] switch
        {
            string text => text,
            List<object?> => throw new NpyFormatException("the array has a structured dtype (a record of named fields); expected plain float32 or float64"),
            var other => throw new NpyFormatException($"'descr' is {PythonText(other)}, not a dtype string"),
        };
        if (dict["fortran_order"] is not bool fortranOrder)
            throw new NpyFormatException($"'fortran_order' is {PythonText(dict["fortran_order"])}, not True or False");
        if (dict["shape"] is not PythonTuple tuple)
            throw new NpyFormatException($"'shape' is {PythonText(dict["shape"])}, not a tuple of dimensions");
        var shape = new long[tuple.Items.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            if (tuple.Items[i] is not long dimension || dimension < 0)
                throw new NpyFormatException($"'shape' has {PythonText(tuple.Items[i])} at position {i}; dimensions are whole numbers >= 0");
            shape[i] = dimension;
        }
        return new NpyHeader(major, minor, descr, fortranOrder, shape);
    }

    private static void ReadFloat32Rows(Stream stream, GradientMatrix matrix)
    {
        for (var i = 0; i < matrix.Rows; i++)
        {
            var row = matrix.Row(i);
            for (var start = 0; start < row.Length; start += ChunkElements)
                stream.ReadExactly(MemoryMarshal.AsBytes(row.Slice(start, Math.Min(ChunkElements, row.Length - start))));
        }
    }

    private static void ReadFloat64Rows(Stream stream, GradientMatrix matrix)
    {
        var buffer = new double[Math.Min(ChunkElements, matrix.Columns)];
        for (var i = 0; i < matrix.Rows; i++)
        {
            var row = matrix.Row(i);
            for (var start = 0; start < row.Length; start += buffer.Length)
            {
                var chunk = buffer.AsSpan(0, Math.Min(buffer.Length, row.Length - start));
                stream.ReadExactly(MemoryMarshal.AsBytes(chunk));
                for (var j = 0; j < chunk.Length; j++)
                {
                    var value = (float)chunk[j];
                    // A finite float64 beyond float32's range would reach the rule as infinity: say so here, where it happens.
                    if (float.IsInfinity(value) && double.IsFinite(chunk[j]))
                        throw new NpyFormatException(
                            $"row {i}, column {start + j}: the float64 value {chunk[j]:R} is outside the float32 range");
                    row[start + j] = value;
                }
            }
        }
    }

    private static string TypeName(NpyDataType type) => type == NpyDataType.Float32 ? "float32" : "float64";

    /// <summary>" (big-endian 32-bit integer)" and the like, so the error says what the file holds.</summary>
    private static string DescribeDescr(string descr)
    {
        if (descr.Length < 3 || descr[0] is not ('<' or '>' or '|' or '='))
            return "";
        var kind = descr[1] switch
        {
            'f' => "float",
            'i' => "signed integer",
            'u' => "unsigned integer",
            'b' => "boolean",
            'c' => "complex",
            'U' => "unicode string",
            'S' => "byte string",
            'O' => "Python object",
            'M' => "datetime",
            'm' => "timedelta",
            'V' => "raw bytes",
            _ => null,
        };
        if (kind is null || !int.TryParse(descr.AsSpan(2), out var bytes))
            return "";
        var order = descr[0] == '>' ? "big-endian " : "";
        return descr[1] is 'f' or 'i' or 'u' or 'c' ? $" ({order}{bytes * 8}-bit {kind})" : $" ({order}{kind})";
    }

    private static string PythonText(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => $"'{s}'",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        PythonTuple t => t.Items.Count == 1 ? $"({PythonText(t.Items[0])},)" : $"({string.Join(", ", t.Items.Select(PythonText))})",
        List<object?> list => $"[{string.Join(", ", list.Select(PythonText))}]",
        Dictionary<string, object?> d => $"{{{string.Join(", ", d.Select(kv => $"'{kv.Key}': {PythonText(kv.Value)}"))}}}",
        _ => value.ToString() ?? "",
    };

    private static string Abbreviate(string header)
    {
        var trimmed = header.TrimEnd();
        return trimmed.Length <= 120 ? trimmed : trimmed[..117] + "...";
    }
}
