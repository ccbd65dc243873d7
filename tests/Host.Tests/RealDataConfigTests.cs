using FedActors.Host.Configuration;
using FedActors.Host.Running;
using FedActors.Learning;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>The fashion-mnist task and fedactors.data.partition: parsing, the checks before the run, the split.</summary>
public sealed class RealDataConfigTests : IDisposable
{
    private const string Fashion = "fedactors { workers { count = 10, byzantine = 2 }\n task.name = fashion-mnist }";
    private const string Clusters = "fedactors { workers { count = 10, byzantine = 0 }\n task.name = logistic-regression }";
    private const string Regression = "fedactors { workers { count = 10, byzantine = 2 } }";

    private readonly string _emptyFolder = RepositoryFiles.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_emptyFolder, recursive: true);

    private static ExperimentSettings Parse(string hocon, params string[] overrides) =>
        ExperimentSettingsParser.Parse(ExperimentConfig.FromText(hocon, overrides));

    private static ConfigException Invalid(string hocon, params string[] overrides) =>
        Assert.Throws<ConfigException>(() => Parse(hocon, overrides));

    [Fact]
    public void Fashion_mnist_defaults_to_every_installed_sample_and_softmax()
    {
        var settings = Parse(Fashion);

        var task = Assert.IsType<FashionMnistTask>(settings.Task);
        Assert.Equal(("fashion-mnist", "/usr/share/datasets/fashion-mnist"), (task.Name, task.Directory));
        Assert.Equal((784, 10, 60_000, 10_000), (task.Dimension, task.Classes, task.TrainSamples, task.TestSamples));
        Assert.Equal("softmax", settings.Model.Name);
        Assert.Equal(new PartitionSettings("iid", 0.5, 2), settings.Partition);
    }

    [Theory]
    [InlineData("2000", "500", 2000, 500)]
    [InlineData("0", "all", 60_000, 10_000)]
    [InlineData("all", "0", 60_000, 10_000)]
    public void Sample_limits_take_a_number_all_or_zero(string train, string test, int expectedTrain, int expectedTest)
    {
        var task = Parse(Fashion, $"fedactors.task.fashion-mnist.train-samples={train}", $"fedactors.task.fashion-mnist.test-samples={test}").Task;
        Assert.Equal((expectedTrain, expectedTest), (task.TrainSamples, task.TestSamples));
    }

    [Theory]
    [InlineData("fedactors.task.fashion-mnist.train-samples=60001", "fedactors.task.fashion-mnist.train-samples", "asks for 60001 samples but the training files hold 60000")]
    [InlineData("fedactors.task.fashion-mnist.test-samples=10001", "fedactors.task.fashion-mnist.test-samples", "test files hold 10000")]
    [InlineData("fedactors.task.fashion-mnist.train-samples=5", "fedactors.task.fashion-mnist.train-samples", "10 workers")]
    [InlineData("fedactors.task.fashion-mnist.train-samples=-1", "fedactors.task.fashion-mnist.train-samples", "negative")]
    [InlineData("fedactors.task.fashion-mnist.train-samples=most", "fedactors.task.fashion-mnist.train-samples", "'all'")]
    [InlineData("fedactors.task.fashion-mnist.size=3", "fedactors.task.fashion-mnist.size", "unknown")]
    [InlineData("fedactors.task.fashion-mnist.pixels=whitened", "fedactors.task.fashion-mnist.pixels", "standardized")]
    [InlineData("fedactors.model.lenet.init=xavier", "fedactors.model.lenet.init", "torch-default")]
    [InlineData("fedactors.model.name=linear", "fedactors.model.name", "softmax or mlp")]
    [InlineData("fedactors.attack.name=backdoor", "fedactors.attack.backdoor.target-class", "class 10 does not exist: the task has 10 classes")]
    public void Bad_fashion_mnist_settings_name_their_key(string assignment, string key, string hint)
    {
        string[] overrides = assignment.StartsWith("fedactors.attack.name=backdoor")
            ? [assignment, "fedactors.attack.backdoor.target-class=10"]
            : [assignment];
        var error = Invalid(Fashion, overrides);
        Assert.Equal(key, error.KeyPath);
        Assert.Contains(hint, error.Message);
    }

    [Fact]
    public void Label_attacks_and_the_mlp_are_accepted_on_fashion_mnist()
    {
        var settings = Parse(Fashion, "fedactors.attack.name=label-flip", "fedactors.model.name=mlp");
        Assert.Equal(("label-flip", "mlp"), (settings.Attack.Name, settings.Model.Name));
    }

    [Fact]
    public void A_folder_without_the_data_fails_before_the_run_naming_the_path_key_and_the_install_command()
    {
        var error = Invalid(Fashion, $"fedactors.task.fashion-mnist.path={_emptyFolder}");

        Assert.Equal("fedactors.task.fashion-mnist.path", error.KeyPath);
        Assert.StartsWith("fedactors.task.fashion-mnist.path: ", error.Message);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", error.Message);
        Assert.Contains($"{_emptyFolder} holds neither train-images-idx3-ubyte.gz nor train-images-idx3-ubyte", error.Message);
    }

    [Theory]
    [InlineData(Clusters, "fedactors.data.partition.name=random", "fedactors.data.partition.name", "label-shards")]
    [InlineData(Clusters, "fedactors.data.partition.dirichlet.alpha=0", "fedactors.data.partition.dirichlet.alpha", "> 0")]
    [InlineData(Clusters, "fedactors.data.partition.label-shards.per-worker=0", "fedactors.data.partition.label-shards.per-worker", "at least 1")]
    [InlineData(Clusters, "fedactors.data.partition.dirichlet.beta=1", "fedactors.data.partition.dirichlet.beta", "unknown")]
    [InlineData(Regression, "fedactors.data.partition.name=dirichlet", "fedactors.data.partition.name", "linear-regression has no labels; use iid")]
    [InlineData(Regression, "fedactors.data.partition.name=label-shards", "fedactors.data.partition.name", "no labels")]
    public void Bad_partition_settings_name_their_key(string hocon, string assignment, string key, string hint)
    {
        var error = Invalid(hocon, assignment);
        Assert.Equal(key, error.KeyPath);
        Assert.Contains(hint, error.Message);
    }

    [Fact]
    public void Label_shards_needing_more_shards_than_samples_are_refused_at_per_worker()
    {
        // 10 workers x 2001 shards = 20 010 shards for the 20 000 samples of the default clusters.
        var error = Invalid(Clusters, "fedactors.data.partition.name=label-shards", "fedactors.data.partition.label-shards.per-worker=2001");
        Assert.Equal("fedactors.data.partition.label-shards.per-worker", error.KeyPath);
        Assert.Contains("20010 shards, more than the 20000 training samples", error.Message);
    }

    [Fact]
    public void A_non_iid_partition_allows_a_batch_above_the_average_shard_and_workers_with_small_shards_use_them_whole()
    {
        // 200 samples over 10 workers average 20, below the batch of 24: refused for iid, accepted for dirichlet.
        string[] common = ["fedactors.task.logistic-regression.train-samples=200", "fedactors.training.batch-size=24"];
        Assert.Equal("fedactors.training.batch-size", Invalid(Clusters, common).KeyPath);

        var settings = Parse(Clusters, [.. common, "fedactors.data.partition.name=dirichlet", "fedactors.data.partition.dirichlet.alpha=0.1"]);
        var experiment = Experiment.Build(settings);

        Assert.Equal(Enumerable.Range(0, 200), experiment.Workers.SelectMany(w => w.Shard).Order());
        Assert.All(experiment.Workers, w => Assert.Equal(w.Shard.Length <= 24 ? null : 24, w.BatchSize));
        Assert.True(experiment.Workers.Any(w => w.BatchSize is null) && experiment.Workers.Any(w => w.BatchSize == 24),
            "shard sizes " + string.Join(", ", experiment.Workers.Select(w => w.Shard.Length)));
    }

    [Fact]
    public void The_partition_follows_seed_data_and_iid_keeps_the_split_it_always_had()
    {
        var iid = Experiment.Build(Parse(Clusters, "fedactors.seed.data=5"));
        var expected = Partitioner.Iid(20_000, 10, SeedMixer.Derive(5, 0x5A4D));
        Assert.Equal(expected, iid.Workers.Select(w => w.Shard));

        string[] dirichlet = ["fedactors.seed.data=5", "fedactors.data.partition.name=dirichlet"];
        var a = Experiment.Build(Parse(Clusters, [.. dirichlet, "fedactors.seed.training=1"]));
        var b = Experiment.Build(Parse(Clusters, [.. dirichlet, "fedactors.seed.training=2"]));
        Assert.Equal(a.Workers.Select(w => w.Shard), b.Workers.Select(w => w.Shard));
        var labels = a.Workers[0].Data.Labels();
        var fromPartitioner = Partitioner.Dirichlet(labels, 10, 10, 0.5, SeedMixer.Derive(5, 0x5A4D));
        Assert.Equal(fromPartitioner, a.Workers.Select(w => w.Shard));
    }

    [Fact]
    public void Label_shards_on_fashion_mnist_give_each_worker_a_few_classes()
    {
        // The first 2000 training images; 10 workers x 2 shards of 100 label-sorted samples. A shard straddles two
        // classes at most, so a worker sees at most 4 classes (2 when its shards fall inside classes), and the workers
        // together all 10.
        var settings = Parse(Fashion, "fedactors.task.fashion-mnist.train-samples=2000", "fedactors.task.fashion-mnist.test-samples=100",
            "fedactors.data.partition.name=label-shards");
        var experiment = Experiment.Build(settings);
        var labels = experiment.Workers[0].Data.Labels();

        Assert.Equal(2000, labels.Length);
        Assert.All(experiment.Workers, w => Assert.Equal(200, w.Shard.Length));
        Assert.All(experiment.Workers, w => Assert.InRange(w.Shard.Select(i => labels[i]).Distinct().Count(), 1, 4));
        Assert.Equal(10, experiment.Workers.SelectMany(w => w.Shard).Select(i => labels[i]).Distinct().Count());
    }

    [Fact]
    public void Standardized_pixels_give_the_workers_features_of_mean_zero_and_deviation_one()
    {
        var unit = Parse(Fashion, "fedactors.task.fashion-mnist.train-samples=2000", "fedactors.task.fashion-mnist.test-samples=100");
        var standardized = Parse(Fashion, "fedactors.task.fashion-mnist.train-samples=2000", "fedactors.task.fashion-mnist.test-samples=100",
            "fedactors.task.fashion-mnist.pixels=standardized");
        Assert.False(Assert.IsType<FashionMnistTask>(unit.Task).Standardized);
        Assert.True(Assert.IsType<FashionMnistTask>(standardized.Task).Standardized);

        var raw = Experiment.Build(unit).Workers[0].Data.Features;
        var scaled = Experiment.Build(standardized).Workers[0].Data.Features;

        Assert.InRange(raw.Min(), 0f, 0f);
        Assert.InRange(raw.Max(), 1f, 1f);
        double mean = scaled.Average(x => (double)x);
        double deviation = Math.Sqrt(scaled.Sum(x => (x - mean) * (x - mean)) / (scaled.Length - 1));
        Assert.InRange(mean, -1e-6, 1e-6);
        Assert.InRange(deviation, 1 - 1e-6, 1 + 1e-6);
        // A black pixel lands at minus the training mean over the deviation, for every image alike.
        Assert.Equal(scaled.Min(), scaled[Array.IndexOf(raw, 0f)]);
    }

    [Theory]
    [InlineData("he-uniform", LeNetInitialization.HeUniform)]
    [InlineData("torch-default", LeNetInitialization.TorchDefault)]
    public void The_lenet_initialization_reaches_the_model(string name, LeNetInitialization expected)
    {
        var settings = Parse(Fashion, "fedactors.model.name=lenet", $"fedactors.model.lenet.init={name}",
            "fedactors.task.fashion-mnist.train-samples=400", "fedactors.task.fashion-mnist.test-samples=10");
        Assert.Equal(expected, settings.Model.LeNetInitialization);
        Assert.Equal(expected, Assert.IsType<LeNetModel>(Experiment.Build(settings).Model).Initialization);
    }

    [Fact]
    public void A_data_attack_bound_the_shard_refutes_fails_before_the_run_naming_the_attack_and_worker()
    {
        // Unit pixels end at 1, so a lower clip of 3 with the upper one automatic leaves an empty range.
        var settings = Parse(Fashion, "fedactors.attack.name=feature-noise", "fedactors.attack.feature-noise.min=3",
            "fedactors.task.fashion-mnist.train-samples=400", "fedactors.task.fashion-mnist.test-samples=10",
            "fedactors.training.batch-size=8");
        var error = Assert.Throws<ConfigException>(() => Experiment.Build(settings));
        Assert.Equal("fedactors.attack.feature-noise", error.KeyPath);
        Assert.Contains("worker 0's shard: range [3, 1] is empty", error.Message);
    }
}
