using System.Buffers.Binary;
using FedActors.Host.Npy;
using Xunit;

namespace FedActors.Host.Tests.Npy;

public class NpyFileTests
{
    [Fact]
    public void Reads_the_float32_file_numpy_writes()
    {
        var loaded = NpyFile.ReadMatrix(new MemoryStream(NpyFixtures.Arange6Float32()));

        Assert.Equal(NpyDataType.Float32, loaded.StoredAs);
        AssertArange6(loaded);
    }

    [Fact]
    public void Reads_the_float64_file_numpy_writes_as_float32()
    {
        var loaded = NpyFile.ReadMatrix(new MemoryStream(NpyFixtures.Arange6Float64()));

        Assert.Equal(NpyDataType.Float64, loaded.StoredAs);
        AssertArange6(loaded);
    }

    [Fact]
    public void Reads_a_version_2_file_whose_header_length_is_four_bytes()
    {
        var stream = new MemoryStream(NpyFixtures.Arange6Float32Version2());
        var header = NpyFile.ReadHeader(stream);
        Assert.Equal((2, 0), (header.MajorVersion, header.MinorVersion));
        Assert.Equal(128, stream.Position);

        AssertArange6(NpyFile.ReadMatrix(new MemoryStream(NpyFixtures.Arange6Float32Version2())));
    }

    [Fact]
    public void Reads_a_version_3_file_whose_header_is_utf8()
    {
        var bytes = NpyFixtures.Arange6Float32Version2();
        bytes[6] = 3;

        AssertArange6(NpyFile.ReadMatrix(new MemoryStream(bytes)));
    }

    [Fact]
    public void Reads_an_old_file_aligned_to_16_bytes_with_python_2_long_integers()
    {
        // NumPy before 1.9 padded to 16 bytes, and under Python 2 the shape's repr was (2L, 3L).
        const string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }";
        var bytes = NpyFixtures.Concat(
            NpyFixtures.Magic, [0x01, 0x00], [70, 0x00],
            NpyFixtures.Ascii(dict + new string(' ', 8) + "\n"),
            NpyFixtures.Float32Data(0, 1, 2, 3, 4, 5));
        Assert.Equal(80, bytes.Length - 24);

        AssertArange6(NpyFile.ReadMatrix(new MemoryStream(bytes)));
    }

    [Fact]
    public void The_header_dict_may_use_double_quotes_any_key_order_and_no_trailing_comma()
    {
        var bytes = NpyFixtures.WithHeader("{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f4\"}",
            NpyFixtures.Float32Data(0, 1, 2, 3, 4, 5));

        AssertArange6(NpyFile.ReadMatrix(new MemoryStream(bytes)));
    }

    [Fact]
    public void Float64_values_are_rounded_to_the_nearest_float32()
    {
        var loaded = NpyFile.ReadMatrix(new MemoryStream(NpyFixtures.Float64Matrix(new[,] { { 0.1, -1e-50, 3.4e38 } })));

        Assert.Equal(0.1f, loaded.Matrix.RowView(0)[0]);
        Assert.Equal(-0.0f, loaded.Matrix.RowView(0)[1]);
        Assert.True(float.IsNegative(loaded.Matrix.RowView(0)[1]));
        Assert.Equal(3.4e38f, loaded.Matrix.RowView(0)[2]);
    }

    [Fact]
    public void Writes_exactly_the_bytes_np_save_writes()
    {
        var stream = new MemoryStream();
        NpyFile.WriteVector(stream, [1.5f, -2f, 3f]);

        Assert.Equal(NpyFixtures.Vector3Float32(), stream.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(1000)]
    [InlineData(70_000)]
    public void A_written_vector_reads_back_bit_for_bit_with_its_data_at_a_multiple_of_64_bytes(int length)
    {
        var random = new Random(length);
        var values = new float[length];
        for (var i = 0; i < length; i++)
            values[i] = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
        var stream = new MemoryStream();
        NpyFile.WriteVector(stream, values);
        stream.Position = 0;

        var header = NpyFile.ReadHeader(stream);

        Assert.Equal((1, 0, "<f4", false), (header.MajorVersion, header.MinorVersion, header.Descr, header.FortranOrder));
        Assert.Equal([(long)length], header.Shape);
        Assert.Equal(0, stream.Position % 64);
        Assert.Equal(length * 4, stream.Length - stream.Position);
        var data = stream.ToArray().AsSpan((int)stream.Position);
        for (var i = 0; i < length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(values[i]), BinaryPrimitives.ReadInt32LittleEndian(data[(i * 4)..]));
    }

    [Fact]
    public void A_matrix_wider_than_the_read_chunk_loads_every_value()
    {
        const int columns = 70_001;
        var values = new double[2, columns];
        for (var j = 0; j < columns; j++)
            (values[0, j], values[1, j]) = (j, -j * 0.5);

        var loaded = NpyFile.ReadMatrix(new MemoryStream(NpyFixtures.Float64Matrix(values)));

        for (var j = 0; j < columns; j++)
        {
            Assert.Equal((float)j, loaded.Matrix.RowView(0)[j]);
            Assert.Equal((float)(-j * 0.5), loaded.Matrix.RowView(1)[j]);
        }
    }

    [Theory]
    [MemberData(nameof(NpyFixtures.Malformed), MemberType = typeof(NpyFixtures))]
    public void A_malformed_file_is_refused_saying_what_is_wrong(string name, byte[] bytes, string fragment)
    {
        var error = Assert.Throws<NpyFormatException>(() => NpyFile.ReadMatrix(new MemoryStream(bytes)));

        Assert.True(error.Message.Contains(fragment, StringComparison.Ordinal), $"{name}: '{error.Message}' lacks '{fragment}'");
    }

    [Fact]
    public void Truncated_data_in_a_stream_that_cannot_seek_is_refused()
    {
        var error = Assert.Throws<NpyFormatException>(() =>
            NpyFile.ReadMatrix(new ForwardOnlyStream(NpyFixtures.Arange6Float32()[..^1])));

        Assert.Contains("truncated data", error.Message);
    }

    private static void AssertArange6(NpyMatrix loaded)
    {
        Assert.Equal((2, 3), (loaded.Matrix.Rows, loaded.Matrix.Columns));
        Assert.Equal([0f, 1f, 2f], loaded.Matrix.RowView(0).ToArray());
        Assert.Equal([3f, 4f, 5f], loaded.Matrix.RowView(1).ToArray());
    }

    /// <summary>A stream like a pipe: no length, no seeking.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
