using System.IO.Compression;
using Xunit;

namespace FedActors.Learning.Tests;

/// <summary>IDX files written byte by byte, raw and gzipped, for the happy path and each way a file can be malformed.</summary>
public sealed class IdxFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fedactors-idx-tests", Guid.NewGuid().ToString("N"));

    public IdxFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A 2 x 2 x 3 unsigned-byte array holding 1..12: magic 00 00 08 03, sizes 2, 2, 3 big-endian.</summary>
    private static readonly byte[] Small =
    [
        0x00, 0x00, 0x08, 0x03,
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x03,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ];

    private string Write(string name, byte[] bytes, bool gzip = false)
    {
        var path = Path.Combine(_folder, name);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using var file = File.Create(path);
        using var compressed = new GZipStream(file, CompressionLevel.Optimal);
        compressed.Write(bytes);
        return path;
    }

    private IdxFormatException Malformed(string name, byte[] bytes, bool gzip = false, int? maxItems = null)
    {
        var path = Write(name, bytes, gzip);
        var error = Assert.Throws<IdxFormatException>(() => IdxFile.Read(path, maxItems));
        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path + ": ", error.Message);
        return error;
    }

    [Theory]
    [InlineData("small-idx3-ubyte", false)]
    [InlineData("small-idx3-ubyte.gz", true)]
    // The magic decides, not the name: a raw file called .gz and a gzipped one without the suffix both read.
    [InlineData("raw-named.gz", false)]
    [InlineData("gzipped-without-suffix", true)]
    public void Reads_the_dimensions_and_values_raw_or_gzipped(string name, bool gzip)
    {
        var path = Write(name, Small, gzip);

        var header = IdxFile.ReadHeader(path);
        var data = IdxFile.Read(path);

        Assert.Equal([2, 2, 3], header.Dimensions);
        Assert.Equal((2, 6, 16), (header.Count, header.ItemSize, header.HeaderBytes));
        Assert.Equal([2, 2, 3], data.Dimensions);
        Assert.Equal(Enumerable.Range(1, 12).Select(v => (byte)v), data.Values);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_only_the_first_items_when_asked(bool gzip)
    {
        var path = Write("small", Small, gzip);

        var first = IdxFile.Read(path, maxItems: 1);

        Assert.Equal([1, 2, 3], first.Dimensions);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, first.Values);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => IdxFile.Read(path, maxItems: 3));
        Assert.Contains("holds 2 items", tooMany.Message);
    }

    [Fact]
    public void A_one_dimensional_label_file_reads_as_items_of_size_one()
    {
        var path = Write("labels", [0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x03, 9, 0, 4]);
        var data = IdxFile.Read(path);
        Assert.Equal([3], data.Dimensions);
        Assert.Equal(new byte[] { 9, 0, 4 }, data.Values);
        Assert.Equal(1, IdxFile.ReadHeader(path).ItemSize);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_wrong_magic_is_refused(bool gzip)
    {
        byte[] bytes = [.. Small];
        bytes[0] = 0x01;
        Assert.Contains("does not start with the IDX magic 00 00 (found 01 00)", Malformed("magic", bytes, gzip).Message);
    }

    [Theory]
    [InlineData(0x0D, "32-bit float values (type 0x0d)")]
    [InlineData(0x0C, "32-bit integer values (type 0x0c)")]
    [InlineData(0x09, "signed byte values (type 0x09)")]
    [InlineData(0x07, "unknown IDX value type 0x07")]
    public void Any_type_but_unsigned_bytes_is_refused_by_name(byte type, string expected)
    {
        byte[] bytes = [.. Small];
        bytes[2] = type;
        var error = Malformed("typed", bytes);
        Assert.Contains(expected, error.Message);
        Assert.Contains("only unsigned bytes (type 0x08)", error.Message);
    }

    [Fact]
    public void No_dimensions_is_refused()
    {
        Assert.Contains("declares no dimensions", Malformed("rank0", [0x00, 0x00, 0x08, 0x00]).Message);
    }

    [Fact]
    public void A_dimension_of_size_zero_is_refused()
    {
        byte[] bytes = [0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00];
        Assert.Contains("dimension 1 of size 0", Malformed("zero", bytes).Message);
    }

    [Theory]
    // 65536 x 65536 = 2^32 values, beyond any array.
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00 }, "65536 x 65536")]
    // 0xFFFFFFFF items: a corrupt count on its own.
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x01, 0xFF, 0xFF, 0xFF, 0xFF }, "4294967295")]
    public void Absurd_dimensions_are_refused_before_anything_is_allocated(byte[] bytes, string shape)
    {
        var error = Malformed("absurd", bytes, gzip: true);
        Assert.Contains($"declares dimensions {shape}", error.Message);
        Assert.Contains("the header is corrupt", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_header_cut_short_is_refused(bool gzip)
    {
        Assert.Contains("is 3 bytes long", Malformed("tiny", [0x00, 0x00, 0x08], gzip).Message);
        Assert.Contains("3 dimension sizes need 12 bytes after the magic, found 6",
            Malformed("cut-header", Small[..10], gzip).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_data_is_refused_with_how_much_is_there(bool gzip)
    {
        var error = Malformed("truncated", Small[..^2], gzip);
        Assert.Contains("is truncated", error.Message);
        Assert.Contains("2 x 2 x 3", error.Message);
        Assert.Contains("only 10 of the 12 data bytes", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trailing_garbage_is_refused_when_the_whole_file_is_read(bool gzip)
    {
        byte[] bytes = [.. Small, 0xAA, 0xBB, 0xCC];
        var error = Malformed("garbage", bytes, gzip);
        Assert.Contains("3 bytes follow the 2 items the header declares", error.Message);

        // Reading a prefix does not look past it.
        Assert.Equal(6, IdxFile.Read(Path.Combine(_folder, "garbage"), maxItems: 1).Values.Length);
    }

    [Fact]
    public void A_gzip_file_cut_short_reads_as_truncated_data()
    {
        // 100 000 random bytes barely compress, so cutting the .gz file in half cuts the data after about 50 000.
        byte[] values = new byte[100_000];
        new DeterministicRandom(1).NextBytes(values);
        var path = Write("whole.gz", [0x00, 0x00, 0x08, 0x01, 0x00, 0x01, 0x86, 0xA0, .. values], gzip: true);
        byte[] compressed = File.ReadAllBytes(path);

        var error = Malformed("cut.gz", compressed[..(compressed.Length / 2)]);

        Assert.Contains("is truncated: its header declares 100000", error.Message);
        Assert.Equal(values[..1000], IdxFile.Read(Path.Combine(_folder, "cut.gz"), maxItems: 1000).Values);
    }

    [Fact]
    public void A_damaged_gzip_stream_is_refused_naming_the_file()
    {
        var path = Write("whole.gz", Small, gzip: true);
        byte[] damaged = File.ReadAllBytes(path);
        // Keep the 10-byte gzip header, so the file is taken for gzip, and ruin the deflate data after it.
        for (int i = 10; i < damaged.Length; i++)
        {
            damaged[i] = 0xFF;
        }
        Assert.Contains("is not a valid gzip stream", Malformed("damaged.gz", damaged).Message);
    }

    [Fact]
    public void A_missing_file_is_the_runtimes_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => IdxFile.Read(Path.Combine(_folder, "absent")));
    }
}
