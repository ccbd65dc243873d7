using System.Globalization;
using Akka.Configuration;
using FedActors.Host.Configuration;
using FedActors.Host.Running;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>Whole runs in process: the quickstart as users run it, and the determinism the design promises.</summary>
public class SimulationRunTests
{
    private static readonly Config QuietActorSystem = ConfigurationFactory.ParseString("akka.loglevel = WARNING");

    private static (string Csv, Experiment Experiment) Run(string experimentFile, params string[] overrides)
    {
        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.Load(experimentFile, overrides));
        var experiment = Experiment.Build(settings);
        var directory = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            var outcome = SimulationRunner.RunAsync(experiment, QuietActorSystem, directory).GetAwaiter().GetResult();
            Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
            return (File.ReadAllText(Path.Combine(directory, "metrics.csv")), experiment);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_local_run_terminates_its_actor_system_without_coordinated_shutdown_and_keeps_the_callers_settings()
    {
        var config = SimulationRunner.LocalSystemConfig(
            ConfigurationFactory.ParseString("akka.loglevel = ERROR").WithFallback(ExperimentConfig.AkkaDefaults));

        Assert.False(config.GetBoolean("akka.coordinated-shutdown.run-by-actor-system-terminate"));
        Assert.Equal("ERROR", config.GetString("akka.loglevel"));
        Assert.Equal("WARNING", config.GetString("akka.stdout-loglevel"));
    }

    /// <summary>metrics.csv without the columns whose names end in _ms, which measure time and differ between runs.</summary>
    private static string WithoutTimingColumns(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var keep = lines[0].Split(',').Select((name, index) => (name, index)).Where(c => !c.name.EndsWith("_ms")).Select(c => c.index).ToArray();
        Assert.True(keep.Length < lines[0].Split(',').Length, "metrics.csv should have timing columns to drop");
        return string.Join('\n', lines.Select(line => string.Join(',', keep.Select(i => line.Split(',')[i]))));
    }

    private static double[] Column(string csv, string name)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(lines[0].Split(','), name);
        return lines.Skip(1).Select(line => double.Parse(line.Split(',')[index], CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public void The_quickstart_gives_byte_identical_metrics_with_one_shard_and_with_four()
    {
        var one = Run(RepositoryFiles.Experiment("quickstart.conf"), "fedactors.aggregator.shards=1");
        var four = Run(RepositoryFiles.Experiment("quickstart.conf"), "fedactors.aggregator.shards=4");

        Assert.Equal(WithoutTimingColumns(one.Csv), WithoutTimingColumns(four.Csv));
    }

    [Theory]
    [InlineData("median")]
    [InlineData("trimmed-mean")]
    [InlineData("mean")]
    [InlineData("geometric-median")]
    [InlineData("krum")]
    [InlineData("filter")]
    [InlineData("bgmd")]
    [InlineData("byzantine-sgd")]
    [InlineData("centered-clipping")]
    public void Wide_models_split_across_shards_give_byte_identical_metrics(string rule)
    {
        // 5000 coordinates are five 1024-wide blocks, so 1, 3 and 4 shards really cut the columns differently.
        // 6400 samples keep the data set at 128 MB (the quickstart's 200 000 would be 4 GB at this width).
        string[] common =
        [
            "fedactors.task.linear-regression.dimension=5000", "fedactors.task.linear-regression.train-samples=6400",
            "fedactors.task.linear-regression.test-samples=100", "fedactors.rounds=15", $"fedactors.aggregator.rule={rule}",
        ];
        var csvs = new[] { 1, 3, 4 }
            .Select(shards => WithoutTimingColumns(Run(RepositoryFiles.Experiment("quickstart.conf"), [.. common, $"fedactors.aggregator.shards={shards}"]).Csv))
            .ToArray();

        Assert.Equal(csvs[0], csvs[1]);
        Assert.Equal(csvs[0], csvs[2]);
    }

    [Fact]
    public void The_quickstart_median_converges_and_the_mean_is_broken_by_the_same_attack()
    {
        var median = Column(Run(RepositoryFiles.Experiment("quickstart.conf")).Csv, "param_error");
        var mean = Column(Run(RepositoryFiles.Experiment("quickstart.conf"), "fedactors.aggregator.rule=mean").Csv, "param_error");

        Assert.True(median[^1] < 0.1 * median[0], $"median: final param_error {median[^1]} vs first {median[0]}");
        Assert.False(mean[^1] < 0.1 * mean[0], $"mean: final param_error {mean[^1]} vs first {mean[0]}");
    }

    [Fact]
    public void A_clean_run_of_logistic_regression_learns_the_clusters()
    {
        var (csv, _) = Run(RepositoryFiles.Experiment("quickstart.conf"),
            "fedactors.task.name=logistic-regression", "fedactors.task.logistic-regression.separation=3",
            "fedactors.attack.name=none", "fedactors.rounds=40", "fedactors.eval.every=20");

        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var accuracyColumn = Array.IndexOf(lines[0].Split(','), "test_accuracy");
        var accuracies = lines.Skip(1).Select(l => l.Split(',')[accuracyColumn]).ToArray();
        // Measured at rounds 20 and 40 only.
        Assert.Equal(2, accuracies.Count(a => a.Length > 0));
        Assert.True(double.Parse(accuracies[^1], CultureInfo.InvariantCulture) > 0.8, $"accuracy {accuracies[^1]}");
    }

    [Fact]
    public void Five_rounds_of_softmax_on_two_thousand_Fashion_MNIST_images_beat_chance()
    {
        // The file trains an MLP; softmax here keeps the test to a few seconds.
        // Ten classes: chance is 0.1. Five averaged steps on 10 x 64 images already separate the easy classes (0.626
        // measured with seed.base 42).
        var (csv, experiment) = Run(RepositoryFiles.Experiment("fashion-mnist-quick.conf"),
            "fedactors.rounds=5", "fedactors.eval.every=1", "fedactors.task.fashion-mnist.train-samples=2000",
            "fedactors.task.fashion-mnist.test-samples=1000", "fedactors.model.name=softmax");

        // Softmax regression: 10 x 784 weights and 10 biases.
        Assert.Equal((2000, 7850), (experiment.Workers[0].Data.Count, experiment.Model.ParameterCount));
        var accuracy = Column(csv, "test_accuracy");
        Assert.Equal(5, accuracy.Length);
        Assert.True(accuracy[^1] > 0.3, $"test accuracy after 5 rounds {accuracy[^1]}");
    }

    [Fact]
    public void At_an_exact_saddle_robust_gradient_descent_stays_and_byzantine_pgd_escapes_to_a_minimum()
    {
        var descent = Run(RepositoryFiles.Experiment("saddle-pgd.conf"), "fedactors.rounds=150").Csv;
        var perturbed = Run(RepositoryFiles.Experiment("saddle-pgd.conf"), "fedactors.rounds=150",
            "fedactors.training.optimizer=byzantine-pgd").Csv;

        Assert.All(Column(descent, "train_loss"), loss => Assert.Equal(0.0, loss));
        Assert.All(Column(descent, "param_error"), distance => Assert.Equal(0.0, distance));
        Assert.InRange(Column(perturbed, "train_loss")[^1], -0.2501, -0.24);
        // param_error is the distance from the saddle; the minima are at distance 1.
        Assert.InRange(Column(perturbed, "param_error")[^1], 0.9, 1.01);
    }

    [Fact]
    public void With_noisy_gradients_the_coordinate_median_saddle_attack_holds_gradient_descent_and_byzantine_pgd_escapes()
    {
        // Unattacked, gradient descent leaves this saddle by itself within about 30 rounds (noise-std 1).
        var free = Run(RepositoryFiles.Experiment("saddle-pgd-noisy.conf"), "fedactors.rounds=150", "fedactors.attack.name=none").Csv;
        var held = Run(RepositoryFiles.Experiment("saddle-pgd-noisy.conf"), "fedactors.rounds=150").Csv;
        var perturbed = Run(RepositoryFiles.Experiment("saddle-pgd-noisy.conf"), "fedactors.rounds=150",
            "fedactors.training.optimizer=byzantine-pgd").Csv;

        Assert.InRange(Column(free, "param_error")[^1], 0.9, 1.1);
        Assert.All(Column(held, "param_error"), distance => Assert.InRange(distance, 0, 0.1));
        Assert.InRange(Column(perturbed, "param_error")[^1], 0.9, 1.1);
        Assert.InRange(Column(perturbed, "train_loss")[^1], -0.5, -0.1);
    }

    [Fact]
    public void A_small_lenet_trains_on_fashion_mnist_through_the_actors_and_the_paper_widths_give_its_parameter_count()
    {
        var (csv, experiment) = Run(RepositoryFiles.Experiment("fashion-mnist-quick.conf"),
            "fedactors.model.name=lenet", "fedactors.model.lenet.conv1=4", "fedactors.model.lenet.conv2=8",
            "fedactors.model.lenet.hidden=32", "fedactors.rounds=3", "fedactors.eval.every=3",
            "fedactors.task.fashion-mnist.train-samples=2000", "fedactors.task.fashion-mnist.test-samples=500");

        // conv1 4*25+4, conv2 8*4*25+8, FC 32*(8*4*4)+32, FC 10*32+10.
        Assert.Equal(104 + 808 + 4128 + 330, experiment.Model.ParameterCount);
        Assert.True(Column(csv, "train_loss").All(double.IsFinite));
        Assert.Equal(1_163_978, Learning.LeNetModel.Paper().ParameterCount);
    }
}
