using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace FedActors.Host.Tests.Npy;

/// <summary>.npy files built byte by byte, so the tests need no NumPy.</summary>
internal static class NpyFixtures
{
    public static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>np.save(f, np.arange(6, dtype='&lt;f4').reshape(2, 3)) as NumPy 1.24 and 1.26 write it: 152 bytes.</summary>
    public static byte[] Arange6Float32() => Concat(
        Magic, [0x01, 0x00], [118, 0x00],
        Ascii("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + new string(' ', 58) + "\n"),
        Convert.FromHexString("00000000" + "0000803f" + "00000040" + "00004040" + "00008040" + "0000a040"));

    /// <summary>np.save(f, np.arange(6, dtype='&lt;f8').reshape(2, 3)): the same header with '&lt;f8', 176 bytes.</summary>
    public static byte[] Arange6Float64() => Concat(
        Magic, [0x01, 0x00], [118, 0x00],
        Ascii("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + new string(' ', 58) + "\n"),
        Convert.FromHexString(
            "0000000000000000" + "000000000000f03f" + "0000000000000040" + "0000000000000840" + "0000000000001040" + "0000000000001440"));

    /// <summary>numpy.lib.format.write_array(f, np.arange(6, dtype='&lt;f4').reshape(2, 3), version=(2, 0)): u32 length 116.</summary>
    public static byte[] Arange6Float32Version2() => Concat(
        Magic, [0x02, 0x00], [116, 0x00, 0x00, 0x00],
        Ascii("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + new string(' ', 56) + "\n"),
        Convert.FromHexString("00000000" + "0000803f" + "00000040" + "00004040" + "00008040" + "0000a040"));

    /// <summary>np.save(f, np.array([1.5, -2, 3], dtype='&lt;f4')): 140 bytes.</summary>
    public static byte[] Vector3Float32() => Concat(
        Magic, [0x01, 0x00], [118, 0x00],
        Ascii("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + new string(' ', 60) + "\n"),
        Convert.FromHexString("0000c03f" + "000000c0" + "00004040"));

    /// <summary>A version 1.0 file of a 2-D '&lt;f4' array, the header padded to 64 bytes.</summary>
    public static byte[] Float32Matrix(float[,] values)
    {
        var (rows, columns) = (values.GetLength(0), values.GetLength(1));
        var data = new byte[rows * columns * 4];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
                BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan((i * columns + j) * 4), values[i, j]);
        }
        return WithHeader($"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}", data);
    }

    /// <summary>The same for '&lt;f8'.</summary>
    public static byte[] Float64Matrix(double[,] values)
    {
        var (rows, columns) = (values.GetLength(0), values.GetLength(1));
        var data = new byte[rows * columns * 8];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
                BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan((i * columns + j) * 8), values[i, j]);
        }
        return WithHeader($"{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {columns}), }}", data);
    }

    /// <summary>Any header dict text (valid or not) in a version 1.0 file, padded to 64 bytes, followed by <paramref name="data"/>.</summary>
    public static byte[] WithHeader(string dict, byte[] data, byte major = 1)
    {
        var prefixLength = Magic.Length + 2 + (major == 1 ? 2 : 4);
        var unpadded = prefixLength + dict.Length + 1;
        var header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        var length = new byte[major == 1 ? 2 : 4];
        if (major == 1)
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        return Concat(Magic, [major, 0x00], length, Encoding.Latin1.GetBytes(header), data);
    }

    public static byte[] Float32Data(params float[] values)
    {
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        return data;
    }

    /// <summary>Files NumPy would refuse or this reader does not take, each with a fragment its error must contain.</summary>
    public static TheoryData<string, byte[], string> Malformed() => new()
    {
        { "empty file", [], "too short" },
        { "wrong magic", Concat([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'X'], Arange6Float32()[6..]), "magic" },
        { "plain text", Ascii("x,y\n1,2\n"), "magic" },
        { "version 4.0", Concat(Magic, [0x04, 0x00], Arange6Float32()[8..]), "version 4.0" },
        { "version 1.1", Concat(Magic, [0x01, 0x01], Arange6Float32()[8..]), "version 1.1" },
        { "Fortran order", WithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", Float32Data(0, 1, 2, 3, 4, 5)), "Fortran" },
        { "3-D", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", Float32Data(0, 1, 2, 3, 4, 5)), "3-D" },
        { "1-D", Vector3Float32(), "1-D" },
        { "0-D", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", Float32Data(7)), "0-D" },
        { "no rows", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", []), "empty" },
        { "int32", WithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", new byte[24]), "'<i4'" },
        { "big-endian float32", WithHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", new byte[24]), "big-endian" },
        { "float16", WithHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", new byte[12]), "'<f2'" },
        { "structured dtype", WithHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3), }", new byte[24]), "structured" },
        { "header a list", WithHeader("['<f4', False, (2, 3)]", new byte[24]), "dict" },
        { "header unterminated", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ", new byte[24]), "not a valid Python dict" },
        { "header lower-case false", WithHeader("{'descr': '<f4', 'fortran_order': false, 'shape': (2, 3), }", new byte[24]), "'false'" },
        { "header with a call", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': tuple([2, 3]), }", new byte[24]), "'tuple'" },
        { "header text after dict", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } x", new byte[24]), "after the closing" },
        { "missing shape", WithHeader("{'descr': '<f4', 'fortran_order': False, }", new byte[24]), "no 'shape'" },
        { "extra key", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1, }", new byte[24]), "unexpected key 'x'" },
        { "shape a list", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }", new byte[24]), "not a tuple" },
        { "negative dimension", WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", new byte[24]), "-2" },
        { "fortran_order not a bool", WithHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", new byte[24]), "'fortran_order' is 0" },
        { "truncated data", Arange6Float32()[..^5], "truncated data" },
        { "bytes after the data", Concat(Arange6Float32(), [0, 0, 0, 0]), "4 bytes follow" },
        { "truncated header", Arange6Float32()[..40], "truncated header" },
        { "truncated header length", Arange6Float32()[..9], "truncated header" },
        {
            "float64 beyond float32",
            WithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", Concat(new byte[8], BitConverter.GetBytes(1e300))),
            "row 0, column 1"
        },
    };

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();
}
