using System.Buffers.Binary;
using System.IO.Compression;
using Xunit;

namespace FedActors.Learning.Tests;

public sealed class FashionMnistTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fedactors-fmnist-tests", Guid.NewGuid().ToString("N"));

    public FashionMnistTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Header(params int[] dimensions)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        header[2] = IdxFile.UnsignedByte;
        header[3] = (byte)dimensions.Length;
        for (int k = 0; k < dimensions.Length; k++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * k), dimensions[k]);
        }
        return header;
    }

    /// <summary>Image i has every pixel (i * 51 + j) mod 256 at position j, so pixels 0, 51, ..., 255 all occur.</summary>
    private static byte Pixel(int image, int position) => (byte)((image * 51 + position) % 256);

    private void WriteSplit(string images, string labels, byte[] labelValues, int? imageCount = null, bool gzip = true)
    {
        int count = imageCount ?? labelValues.Length;
        var imageBytes = new byte[count * 784];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < 784; j++)
            {
                imageBytes[i * 784 + j] = Pixel(i, j);
            }
        }
        Write(images, [.. Header(count, 28, 28), .. imageBytes], gzip);
        Write(labels, [.. Header(labelValues.Length), .. labelValues], gzip);
    }

    private void Write(string name, byte[] bytes, bool gzip)
    {
        var path = Path.Combine(_folder, gzip ? name + ".gz" : name);
        using var file = File.Create(path);
        using Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        output.Write(bytes);
    }

    private void WriteAll(bool gzip = true)
    {
        WriteSplit(FashionMnist.TrainImages, FashionMnist.TrainLabels, [9, 0, 3, 7], gzip: gzip);
        WriteSplit(FashionMnist.TestImages, FashionMnist.TestLabels, [1, 2], gzip: gzip);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Loads_both_splits_with_pixels_scaled_to_the_unit_interval(bool gzip)
    {
        WriteAll(gzip);

        Assert.Equal((4, 2), FashionMnist.Counts(_folder));
        var data = FashionMnist.Load(_folder);

        Assert.Equal((4, 784, 10), (data.Train.Count, data.Train.FeatureCount, data.Train.ClassCount));
        Assert.Equal((2, 784, 10), (data.Test.Count, data.Test.FeatureCount, data.Test.ClassCount));
        Assert.Equal([9, 0, 3, 7], data.Train.Labels());
        Assert.Equal([1, 2], data.Test.Labels());
        // Image 1, position 0 is byte 51 = 0.2 * 255; image 0, position 255 is byte 255; image 0, position 0 is 0.
        Assert.Equal(51f / 255f, data.Train.Row(1)[0]);
        Assert.Equal(0.2f, data.Train.Row(1)[0], 6);
        Assert.Equal(1f, data.Train.Row(0)[255]);
        Assert.Equal(0f, data.Train.Row(0)[0]);
        Assert.Equal(Pixel(3, 700) / 255f, data.Train.Row(3)[700]);
    }

    [Fact]
    public void Limits_take_the_first_samples_of_each_split()
    {
        WriteAll();
        var data = FashionMnist.Load(_folder, trainSamples: 2, testSamples: 1);
        Assert.Equal([9, 0], data.Train.Labels());
        Assert.Equal([1], data.Test.Labels());
        Assert.Equal(Pixel(1, 10) / 255f, data.Train.Row(1)[10]);
    }

    [Fact]
    public void A_missing_file_is_named_with_the_command_that_installs_it()
    {
        WriteSplit(FashionMnist.TrainImages, FashionMnist.TrainLabels, [1, 2]);

        var error = Assert.Throws<FileNotFoundException>(() => FashionMnist.Counts(_folder));

        Assert.Contains("t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte", error.Message);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", error.Message);
        Assert.Contains(_folder, error.Message);
        Assert.Equal(Path.Combine(_folder, "t10k-images-idx3-ubyte.gz"), error.FileName);
    }

    [Fact]
    public void A_folder_that_does_not_exist_says_so()
    {
        var error = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(Path.Combine(_folder, "nowhere")));
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void More_images_than_labels_is_refused_naming_both_files()
    {
        WriteSplit(FashionMnist.TrainImages, FashionMnist.TrainLabels, [1, 2, 3], imageCount: 4);
        WriteSplit(FashionMnist.TestImages, FashionMnist.TestLabels, [1]);

        var error = Assert.Throws<IdxFormatException>(() => FashionMnist.Counts(_folder));

        Assert.Contains("holds 3 labels but", error.Message);
        Assert.Contains("train-images-idx3-ubyte.gz holds 4 images", error.Message);
        Assert.Throws<IdxFormatException>(() => FashionMnist.Load(_folder));
    }

    [Fact]
    public void A_label_of_ten_or_more_is_refused_with_its_index()
    {
        WriteSplit(FashionMnist.TrainImages, FashionMnist.TrainLabels, [1, 2, 10]);
        WriteSplit(FashionMnist.TestImages, FashionMnist.TestLabels, [1]);

        var error = Assert.Throws<IdxFormatException>(() => FashionMnist.Load(_folder));

        Assert.Equal(Path.Combine(_folder, "train-labels-idx1-ubyte.gz"), error.FilePath);
        Assert.Contains("label 2 is 10, not a class id in 0..9", error.Message);
    }

    [Fact]
    public void Images_that_are_not_28_by_28_are_refused()
    {
        Write(FashionMnist.TrainImages, [.. Header(1, 32, 32), .. new byte[1024]], gzip: true);
        Write(FashionMnist.TrainLabels, [.. Header(1), 0], gzip: true);
        WriteSplit(FashionMnist.TestImages, FashionMnist.TestLabels, [1]);

        var error = Assert.Throws<IdxFormatException>(() => FashionMnist.Counts(_folder));
        Assert.Contains("shape 32 x 32; Fashion-MNIST images are 28 x 28", error.Message);
    }

    /// <summary>The real files of Debian's dataset-fashion-mnist (installed by .ci/run): read completely once.</summary>
    [Fact]
    public void The_installed_Fashion_MNIST_has_60000_and_10000_images_and_starts_with_an_ankle_boot()
    {
        Assert.Equal((60_000, 10_000), FashionMnist.Counts(FashionMnist.DefaultDirectory));

        var data = FashionMnist.Load(FashionMnist.DefaultDirectory);

        Assert.Equal((60_000, 784, 10), (data.Train.Count, data.Train.FeatureCount, data.Train.ClassCount));
        Assert.Equal((10_000, 784, 10), (data.Test.Count, data.Test.FeatureCount, data.Test.ClassCount));
        Assert.Equal(9, data.Train.Label(0));
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[data.Train.Label(0)]);
        // The test set's first image is an ankle boot too (label 9), its second a pullover (2).
        Assert.Equal((9, 2), (data.Test.Label(0), data.Test.Label(1)));
        // Both splits are balanced: 6000 and 1000 of each class.
        Assert.All(data.Train.Labels().CountBy(l => l), c => Assert.Equal(6000, c.Value));
        Assert.All(data.Test.Labels().CountBy(l => l), c => Assert.Equal(1000, c.Value));
        // Byte sums of the first and last training images and of the whole training set, computed with Python's gzip
        // module from the same files.
        Assert.Equal(76_247, PixelSum(data.Train, 0));
        Assert.Equal(16_684, PixelSum(data.Train, 59_999));
        Assert.Equal(3_431_114_169L, Enumerable.Range(0, data.Train.Count).Sum(i => (long)PixelSum(data.Train, i)));
        // Pixels are bytes / 255: black (0) and white (1) both occur and nothing lies outside.
        Assert.Equal(0f, data.Train.Features.Min());
        Assert.Equal(1f, data.Train.Features.Max());
        Assert.Equal(0f, data.Test.Features.Min());
        Assert.Equal(1f, data.Test.Features.Max());
    }

    private static int PixelSum(Dataset data, int row)
    {
        int sum = 0;
        foreach (float x in data.Row(row))
        {
            sum += (int)MathF.Round(x * 255f);
        }
        return sum;
    }
}
