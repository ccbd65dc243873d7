namespace FedActors.Learning;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28 x 28 grey images of clothing in 10 classes, 60 000 for
/// training and 10 000 for testing, in LeCun's MNIST file format. Debian's package dataset-fashion-mnist installs the
/// four gzipped files in <see cref="DefaultDirectory"/>. Pixels become features x / 255 in [0, 1]; rows keep the
/// files' order. <see cref="LoadPair"/> reads any MNIST-format pair (MNIST itself included).
/// </summary>
public static class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    public const string InstallCommand = "sudo apt-get install dataset-fashion-mnist";
    public const int ImageSide = 28;
    public const int FeatureCount = ImageSide * ImageSide;
    public const int ClassCount = 10;

    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// The number of training and test samples, from the four files' headers only: checks that the files exist, that
    /// images are 28 x 28 and that each split has as many labels as images. Cheap, so a run can be checked before it
    /// loads anything.
    /// </summary>
    public static (int Train, int Test) Counts(string directory) =>
        (CheckedCount(Find(directory, TrainImages), Find(directory, TrainLabels)),
         CheckedCount(Find(directory, TestImages), Find(directory, TestLabels)));

    /// <summary>The first <paramref name="trainSamples"/> and <paramref name="testSamples"/> of each split (all when null).</summary>
    public static ClassificationData Load(string directory, int? trainSamples = null, int? testSamples = null)
    {
        var train = LoadSplit(directory, TrainImages, TrainLabels, trainSamples);
        var test = LoadSplit(directory, TestImages, TestLabels, testSamples);
        return new ClassificationData(train, test);
    }

    /// <summary>
    /// The file <paramref name="name"/>.gz, or else <paramref name="name"/> uncompressed, in the directory; a
    /// <see cref="FileNotFoundException"/> that says how to install the data when neither is there.
    /// </summary>
    public static string Find(string directory, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }
        var where = Directory.Exists(directory) ? $"{directory} holds" : $"{directory} does not exist, so it holds";
        throw new FileNotFoundException(
            $"{where} neither {name}.gz nor {name}: install Fashion-MNIST with `{InstallCommand}` " +
            $"(it goes to {DefaultDirectory}), or point the data path at a folder holding its four files",
            Path.Combine(directory, name + ".gz"));
    }

    /// <summary>
    /// An MNIST-format pair: an image file of n items (each item's bytes become its features, / 255) and a label
    /// file of n labels below <paramref name="classes"/>. Reads the first <paramref name="samples"/> of each (all when
    /// null).
    /// </summary>
    public static Dataset LoadPair(string imagesPath, string labelsPath, int classes, int? samples = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        int imageCount = IdxFile.ReadHeader(imagesPath).Count;
        int labelCount = IdxFile.ReadHeader(labelsPath).Count;
        CheckSameCount(imagesPath, imageCount, labelsPath, labelCount);

        var images = IdxFile.Read(imagesPath, samples);
        var labels = IdxFile.Read(labelsPath, samples);
        if (labels.Dimensions.Count != 1)
        {
            throw new IdxFormatException(labelsPath,
                $"has {labels.Dimensions.Count} dimensions; a label file has one (the labels)");
        }

        int count = images.Dimensions[0];
        int features = images.Dimensions.Skip(1).Aggregate(1, (product, size) => product * size);
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            byte label = labels.Values[i];
            if (label >= classes)
            {
                throw new IdxFormatException(labelsPath, $"label {i} is {label}, not a class id in 0..{classes - 1}");
            }
            targets[i] = label;
        }

        // A table rather than a division per pixel: the same float x / 255f for each of the 256 byte values.
        Span<float> scale = stackalloc float[256];
        for (int b = 0; b < 256; b++)
        {
            scale[b] = b / 255f;
        }
        var pixels = images.Values;
        var values = new float[pixels.Length];
        for (int j = 0; j < pixels.Length; j++)
        {
            values[j] = scale[pixels[j]];
        }
        return new Dataset(count, features, values, targets, classes);
    }

    private static Dataset LoadSplit(string directory, string imagesName, string labelsName, int? samples)
    {
        var imagesPath = Find(directory, imagesName);
        var labelsPath = Find(directory, labelsName);
        CheckImageShape(imagesPath, IdxFile.ReadHeader(imagesPath));
        return LoadPair(imagesPath, labelsPath, ClassCount, samples);
    }

    private static int CheckedCount(string imagesPath, string labelsPath)
    {
        var images = IdxFile.ReadHeader(imagesPath);
        var labels = IdxFile.ReadHeader(labelsPath);
        CheckImageShape(imagesPath, images);
        if (labels.Dimensions.Count != 1)
        {
            throw new IdxFormatException(labelsPath, $"has {labels.Dimensions.Count} dimensions; a label file has one (the labels)");
        }
        CheckSameCount(imagesPath, images.Count, labelsPath, labels.Count);
        return images.Count;
    }

    private static void CheckImageShape(string path, IdxHeader header)
    {
        if (header.Dimensions.Count != 3 || header.Dimensions[1] != ImageSide || header.Dimensions[2] != ImageSide)
        {
            throw new IdxFormatException(path,
                $"holds items of shape {string.Join(" x ", header.Dimensions.Skip(1))}; Fashion-MNIST images are {ImageSide} x {ImageSide}");
        }
    }

    private static void CheckSameCount(string imagesPath, int images, string labelsPath, int labels)
    {
        if (images != labels)
        {
            throw new IdxFormatException(labelsPath, $"holds {labels} labels but {imagesPath} holds {images} images");
        }
    }
}
