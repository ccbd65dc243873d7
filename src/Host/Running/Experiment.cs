using FedActors.Actors;
using FedActors.Aggregation;
using FedActors.Attacks;
using FedActors.Host.Configuration;
using FedActors.Learning;

namespace FedActors.Host.Running;

/// <summary>
/// A run's ingredients built from validated settings: data, shards, the model, who is Byzantine, each worker's setup,
/// the rule and the server. Building touches no actor, so everything that can fail on input fails here first.
/// </summary>
public sealed class Experiment
{
    private Experiment(ExperimentSettings settings, IModel model, ModelServer server, AggregationPipeline pipeline,
        IReadOnlyList<WorkerSetup> workers, ByzantineRoster roster)
    {
        Settings = settings;
        Model = model;
        Server = server;
        Pipeline = pipeline;
        Workers = workers;
        Roster = roster;
    }

    public ExperimentSettings Settings { get; }
    public IModel Model { get; }
    public ModelServer Server { get; }
    /// <summary>The run's own rule instance (stateful rules carry state across its rounds) and pre-aggregation steps.</summary>
    public AggregationPipeline Pipeline { get; }
    public IReadOnlyList<WorkerSetup> Workers { get; }
    public ByzantineRoster Roster { get; }

    /// <summary>The Byzantine ids of round 1 (of every round, with static membership).</summary>
    public IEnumerable<int> ByzantineIds => Roster.Members(1);

    public static Experiment Build(ExperimentSettings settings)
    {
        var (model, train, test, thetaStar) = BuildTask(settings.Task, settings.DataSeed);
        var shards = Partitioner.Iid(train.Count, settings.Workers, SeedMixer.Derive(settings.DataSeed, PartitionTag));
        var roster = new ByzantineRoster(settings.Workers, settings.Byzantine, Membership.Static,
            round => RandomStreams.For(settings.TrainingSeed, RandomStreams.ByzantineIds, workerId: 0, round));
        var attack = AttackCatalog.Create(settings.Attack.Name,
            new AttackParameters(settings.Attack.SignFlipScale, settings.Attack.GaussianMean, settings.Attack.GaussianStd));

        var workers = new WorkerSetup[settings.Workers];
        for (var id = 0; id < workers.Length; id++)
        {
            workers[id] = new WorkerSetup(id, model, train, shards[id], settings.Training.BatchSize, settings.TrainingSeed,
                roster.CanBeByzantine(id) && attack is not null ? new ByzantineBehaviour.Local(attack) : null, roster);
        }

        var initial = new float[model.ParameterCount];
        model.Initialize(initial, RandomStreams.For(settings.TrainingSeed, RandomStreams.ModelInit, workerId: 0, round: 0));
        var optimizer = new SgdOptimizer(model.ParameterCount, settings.Training.LearningRate, settings.Training.Momentum,
            settings.Training.WeightDecay);
        var server = new ModelServer(model, initial, optimizer, thetaStar, test);
        var pipeline = ExperimentSettingsParser.BuildPipeline(settings.Aggregator, settings.Workers);
        return new Experiment(settings, model, server, pipeline, workers, roster);
    }

    /// <summary>Separates the partition's stream from data generation's, both rooted at seed.data.</summary>
    private const ulong PartitionTag = 0x5A4D;

    private static (IModel Model, Dataset Train, Dataset? Test, float[]? ThetaStar) BuildTask(TaskSettings task, ulong dataSeed) =>
        task switch
        {
            LinearRegressionTask t => LinearRegression(t, dataSeed),
            LogisticRegressionTask t => Logistic(t, dataSeed),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task.Name, "unknown task"),
        };

    private static (IModel, Dataset, Dataset?, float[]?) LinearRegression(LinearRegressionTask t, ulong dataSeed)
    {
        var data = SyntheticData.LinearRegression(t.Dimension, t.TrainSamples, t.TestSamples, t.NoiseStd, t.ThetaScale, dataSeed);
        return (new LinearRegressionModel(t.Dimension), data.Train, data.Test, data.ThetaStar);
    }

    private static (IModel, Dataset, Dataset?, float[]?) Logistic(LogisticRegressionTask t, ulong dataSeed)
    {
        var data = SyntheticData.GaussianClusters(t.Dimension, t.Classes, t.TrainSamples, t.TestSamples, t.Separation, dataSeed);
        return (new SoftmaxRegressionModel(t.Dimension, t.Classes), data.Train, data.Test.Count > 0 ? data.Test : null, null);
    }
}
