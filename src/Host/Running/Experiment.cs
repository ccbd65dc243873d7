using Akka.Actor;
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
        IReadOnlyList<WorkerSetup> workers, ByzantineRoster roster, ICoalitionAttack? coalitionAttack)
    {
        Settings = settings;
        Model = model;
        Server = server;
        Pipeline = pipeline;
        Workers = workers;
        Roster = roster;
        CoalitionAttack = coalitionAttack;
    }

    public ExperimentSettings Settings { get; }
    public IModel Model { get; }
    public ModelServer Server { get; }
    /// <summary>The run's own rule instance (stateful rules carry state across its rounds) and pre-aggregation steps.</summary>
    public AggregationPipeline Pipeline { get; }
    public IReadOnlyList<WorkerSetup> Workers { get; }
    public ByzantineRoster Roster { get; }

    /// <summary>The colluding attack, when the run has one; the runner then starts a coalition actor.</summary>
    public ICoalitionAttack? CoalitionAttack { get; }

    /// <summary>The workers' setups, those the roster may corrupt colluding through <paramref name="coalition"/> if given.</summary>
    public IReadOnlyList<WorkerSetup> WorkerSetups(IActorRef? coalition) =>
        coalition is null
            ? Workers
            : Workers.Select(w => Roster.CanBeByzantine(w.WorkerId) ? w with { Byzantine = new ByzantineBehaviour.Colluding(coalition) } : w).ToArray();

    /// <summary>What the coalition actor needs, or null when no attack colludes.</summary>
    public CoalitionSetup? CoalitionSetup =>
        CoalitionAttack is null
            ? null
            : new CoalitionSetup(CoalitionAttack, Settings.Attack.Knowledge, Roster, Model.ParameterCount,
                Settings.Attack.CoalitionDeadline, Settings.TrainingSeed,
                () => ExperimentSettingsParser.BuildPipeline(Settings.Aggregator, Settings.Workers));

    /// <summary>The Byzantine ids of round 1 (of every round, with static membership).</summary>
    public IEnumerable<int> ByzantineIds => Roster.Members(1);

    public static Experiment Build(ExperimentSettings settings)
    {
        var (model, train, test, thetaStar) = BuildTask(settings.Task, settings.DataSeed);
        if (settings.Model.Name == "mlp" && settings.Task.IsClassification)
            model = new MlpModel(settings.Task.Dimension, settings.Model.Hidden, settings.Task.Classes);
        if (settings.Model.Name == "lenet")
        {
            var (conv1, conv2, hidden, dropout) = settings.Model.LeNet;
            model = new LeNetModel(conv1, conv2, hidden, dropout, settings.Task.Classes,
                dropoutSeed: SeedMixer.Derive(settings.TrainingSeed, DropoutTag), settings.Model.LeNetInitialization);
        }
        var shards = Partition(settings, train);
        var roster = new ByzantineRoster(settings.Workers, settings.Byzantine, settings.Attack.Membership,
            round => RandomStreams.For(settings.TrainingSeed, RandomStreams.ByzantineIds, workerId: 0, round));
        var attack = settings.Attack;
        var local = attack.Kind == AttackKind.Local ? AttackCatalog.CreateLocal(attack.Name, attack.Parameters) : null;
        var poisoning = attack.Kind == AttackKind.DataPoisoning ? AttackCatalog.CreateDataPoisoning(attack.Name, attack.Parameters) : null;
        var coalition = attack.Kind == AttackKind.Coalition
            ? AttackCatalog.CreateCoalition(attack.Name, attack.Parameters, settings.TrainingSeed)
            : null;

        var workers = new WorkerSetup[settings.Workers];
        for (var id = 0; id < workers.Length; id++)
        {
            ByzantineBehaviour? behaviour = null;
            if (roster.CanBeByzantine(id))
            {
                if (local is not null)
                    behaviour = new ByzantineBehaviour.Local(local);
                else if (poisoning is not null)
                    behaviour = new ByzantineBehaviour.PoisonedData(PoisonShard(poisoning, attack.Name, train, shards[id], id, settings.TrainingSeed));
            }
            // Only a non-iid shard can be smaller than the batch (the parser refuses it for iid); such a worker uses its whole shard.
            var batch = settings.Training.BatchSize is { } size && size >= shards[id].Length ? null : settings.Training.BatchSize;
            workers[id] = new WorkerSetup(id, model, train, shards[id], batch, settings.TrainingSeed, behaviour, roster);
        }
        var initial = new float[model.ParameterCount];
        model.Initialize(initial, RandomStreams.For(settings.TrainingSeed, RandomStreams.ModelInit, workerId: 0, round: 0));
        var optimizer = BuildOptimizer(settings, model.ParameterCount, initial);
        var server = new ModelServer(model, initial, optimizer, thetaStar, test);
        var pipeline = ExperimentSettingsParser.BuildPipeline(settings.Aggregator, settings.Workers);
        return new Experiment(settings, model, server, pipeline, workers, roster, coalition);
    }

    /// <summary>Roots LeNet's dropout masks at seed.training, apart from the other training streams.</summary>
    private const ulong DropoutTag = 0xD809;

    /// <summary>Separates the partition's stream from data generation's, both rooted at seed.data.</summary>
    private const ulong PartitionTag = 0x5A4D;

    private static IOptimizer BuildOptimizer(ExperimentSettings settings, int parameters, float[] initial)
    {
        var training = settings.Training;
        if (training.Optimizer == "byzantine-pgd")
        {
            var pgd = training.Pgd;
            return new ByzantinePgdOptimizer(training.LearningRate, pgd.Epsilon, pgd.PerturbationRadius, pgd.EscapeRadius,
                pgd.Attempts, pgd.AttemptSteps, RandomStreams.For(settings.TrainingSeed, RandomStreams.Perturbation, workerId: 0, round: 0));
        }
        // An epoch is one pass of all workers over the training set; a whole-shard batch makes every round an epoch.
        var samplesPerRound = (long)settings.Workers * (training.BatchSize ?? Math.Max(settings.Task.TrainSamples / settings.Workers, 1));
        LearningRateSchedule schedule = training.Schedule switch
        {
            "step-decay" => new LearningRateSchedule.StepDecay(training.LearningRate, training.StepDecayFactor,
                Math.Max(settings.Task.TrainSamples / samplesPerRound, 1)),
            "cosine" => new LearningRateSchedule.Cosine(training.LearningRate, settings.Rounds, training.CosineMinimum),
            _ => new LearningRateSchedule.Constant(training.LearningRate),
        };
        ReadOnlySpan<float> ballCenter = training.ProjectionRadius is null ? [] : initial;
        if (training.Optimizer == "adam")
        {
            var adam = training.Adam;
            return new AdamOptimizer(parameters, training.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, training.WeightDecay, schedule,
                ballCenter, training.ProjectionRadius ?? 0);
        }
        return new SgdOptimizer(parameters, training.LearningRate, training.Momentum, training.WeightDecay, schedule, ballCenter,
            training.ProjectionRadius ?? 0);
    }

    private static (IModel Model, Dataset Train, Dataset? Test, float[]? ThetaStar) BuildTask(TaskSettings task, ulong dataSeed) =>
        task switch
        {
            LinearRegressionTask t => LinearRegression(t, dataSeed),
            LogisticRegressionTask t => Logistic(t, dataSeed),
            FashionMnistTask t => LoadFashionMnist(t),
            // theta* = the saddle itself, so param_error reports the distance from the saddle.
            StrictSaddleTask t => (new StrictSaddleModel(t.Dimension), StrictSaddleModel.Noise(t.Dimension, t.TrainSamples, t.NoiseStd, dataSeed), null,
                new float[t.Dimension]),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task.Name, "unknown task"),
        };

    /// <summary>
    /// Poisons a worker's shard here, before the actor system starts, so that settings only the data can refute (a
    /// bound given above the shard's largest feature) fail as a configuration error naming the attack and the worker.
    /// </summary>
    private static Dataset PoisonShard(IDataPoisoning poisoning, string attack, Dataset train, int[] shard, int worker, ulong seed)
    {
        try
        {
            return poisoning.PoisonShard(train, shard, RandomStreams.For(seed, RandomStreams.Attack, worker, round: 0));
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"fedactors.attack.{attack}", $"worker {worker}'s shard: {ArgumentMessages.WithoutParameterSuffix(e)}");
        }
    }

    /// <summary>
    /// The same split for the same seed.data, whatever the training seed; iid keeps the stream it always had, so runs
    /// from before the partition setting existed repeat exactly.
    /// </summary>
    private static int[][] Partition(ExperimentSettings settings, Dataset train)
    {
        var seed = SeedMixer.Derive(settings.DataSeed, PartitionTag);
        var partition = settings.Partition;
        const string prefix = "fedactors.data.partition";
        try
        {
            return partition.Name switch
            {
                "dirichlet" => Partitioner.Dirichlet(train.Labels(), train.ClassCount, settings.Workers, partition.DirichletAlpha, seed),
                "label-shards" => Partitioner.LabelShards(train.Labels(), settings.Workers, partition.ShardsPerWorker, seed),
                _ => Partitioner.Iid(train.Count, settings.Workers, seed),
            };
        }
        catch (ArgumentException e)
        {
            var key = partition.Name switch
            {
                "dirichlet" => $"{prefix}.dirichlet.alpha",
                "label-shards" => $"{prefix}.label-shards.per-worker",
                _ => $"{prefix}.name",
            };
            var problem = ArgumentMessages.WithoutParameterSuffix(e);
            throw new ConfigException(key, $"{problem} (workers.count = {settings.Workers}, {train.Count} training samples)");
        }
    }

    private static (IModel, Dataset, Dataset?, float[]?) LoadFashionMnist(FashionMnistTask t)
    {
        var data = ExperimentSettingsParser.DataFiles("fedactors.task.fashion-mnist.path",
            () => FashionMnist.Load(t.Directory, t.TrainSamples, t.TestSamples));
        if (t.Standardized)
        {
            data = data.Standardized();
        }
        return (new SoftmaxRegressionModel(data.Train.FeatureCount, data.Train.ClassCount), data.Train, data.Test, null);
    }

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
