using Akka.Configuration;
using FedActors.Aggregation;
using FedActors.Attacks;
using FedActors.Learning;

namespace FedActors.Host.Configuration;

/// <summary>Reads and checks every fedactors.* key, including the checks that involve several keys, before any actor exists.</summary>
public static class ExperimentSettingsParser
{
    public static IReadOnlyList<string> TaskNames { get; } = ["linear-regression", "logistic-regression", "fashion-mnist", "strict-saddle"];

    public static IReadOnlyList<string> PixelScalings { get; } = ["unit", "standardized"];

    public static IReadOnlyList<string> LeNetInitializations { get; } = ["he-uniform", "torch-default"];

    public static IReadOnlyList<string> PartitionNames { get; } = ["iid", "dirichlet", "label-shards"];

    /// <summary>Tags that derive the data and training seeds from seed.base, so the two never share a stream.</summary>
    private const ulong DataSeedTag = 0xDA7A;
    private const ulong TrainingSeedTag = 0x7EA1;

    public static ExperimentSettings Parse(Config config)
    {
        var read = new SettingsReader(config);

        var name = read.Text("fedactors.name");
        var rounds = read.Int("fedactors.rounds", min: 1);

        var baseSeed = read.SeedOrAuto("fedactors.seed.base")
            ?? throw new ConfigException("fedactors.seed.base", "the root seed cannot be 'auto'; give a number");
        var dataSeed = read.SeedOrAuto("fedactors.seed.data") ?? SeedMixer.Derive(baseSeed, DataSeedTag);
        var trainingSeed = read.SeedOrAuto("fedactors.seed.training") ?? SeedMixer.Derive(baseSeed, TrainingSeedTag);

        var workers = read.Int("fedactors.workers.count", min: 1);
        var byzantine = read.Int("fedactors.workers.byzantine", min: 0);
        if (byzantine > workers)
            throw new ConfigException("fedactors.workers.byzantine", $"{byzantine} Byzantine workers but fedactors.workers.count is only {workers}");

        var task = ParseTask(read, workers);
        var partition = ParsePartition(read, task, workers);
        var model = ParseModel(read, task);
        var training = ParseTraining(read, task, partition, workers);
        var aggregator = ParseAggregator(read, workers, byzantine);
        var roundDeadline = read.Duration("fedactors.round.deadline");
        var attack = ParseAttack(read, task, workers, byzantine, roundDeadline, trainingSeed);

        return new ExperimentSettings(
            name, rounds, baseSeed, dataSeed, trainingSeed, workers, byzantine, task, partition, model, training, aggregator, attack,
            roundDeadline,
            read.Int("fedactors.eval.every", min: 0),
            read.Int("fedactors.checkpoint.every", min: 0));
    }

    private static ModelSettings ParseModel(SettingsReader read, TaskSettings task)
    {
        var name = read.OneOf("fedactors.model.name", ["auto", "linear", "softmax", "mlp", "lenet"]);
        var classification = task.IsClassification;
        if (task is StrictSaddleTask)
        {
            // The task is its own objective: there is no model to choose.
            if (name != "auto")
                throw new ConfigException("fedactors.model.name", $"strict-saddle defines its own objective; leave the model at auto, not {name}");
            return new ModelSettings("strict-saddle", []);
        }
        if (name == "auto")
            name = classification ? "softmax" : "linear";
        if (name == "lenet" && task is not FashionMnistTask)
            throw new ConfigException("fedactors.model.name", $"lenet reads 28x28 images: it needs the fashion-mnist task, not {task.Name}");
        if (classification == (name == "linear"))
        {
            throw new ConfigException("fedactors.model.name",
                $"{name} cannot be trained on {task.Name}: use {(classification ? "softmax or mlp" : "linear")}");
        }
        var hidden = new List<int>();
        foreach (var width in read.List("fedactors.model.mlp.hidden"))
        {
            if (!int.TryParse(width, out var units) || units < 1)
                throw new ConfigException("fedactors.model.mlp.hidden", $"every width must be a positive integer, got '{width}'");
            hidden.Add(units);
        }
        return new ModelSettings(name, hidden)
        {
            LeNet = (read.Int("fedactors.model.lenet.conv1", min: 1), read.Int("fedactors.model.lenet.conv2", min: 1),
                read.Int("fedactors.model.lenet.hidden", min: 1),
                read.Double("fedactors.model.lenet.dropout", min: 0, max: 1, maxExclusive: true)),
            LeNetInitialization = read.OneOf("fedactors.model.lenet.init", LeNetInitializations) == "torch-default"
                ? LeNetInitialization.TorchDefault
                : LeNetInitialization.HeUniform,
        };
    }

    private static TaskSettings ParseTask(SettingsReader read, int workers)
    {
        var name = read.OneOf("fedactors.task.name", TaskNames);
        var prefix = $"fedactors.task.{name}";
        if (name == "fashion-mnist")
            return ParseFashionMnist(read, prefix, workers);
        var dimension = read.Int($"{prefix}.dimension", min: 1);
        var trainSamples = read.Int($"{prefix}.train-samples", min: 1);
        if (trainSamples < workers)
            throw new ConfigException($"{prefix}.train-samples", $"{trainSamples} samples cannot give each of {workers} workers at least one");
        if (name == "strict-saddle")
            return new StrictSaddleTask(dimension, trainSamples, read.Double($"{prefix}.noise-std", min: 0));
        var testSamples = read.Int($"{prefix}.test-samples", min: 0);
        return name switch
        {
            "linear-regression" => new LinearRegressionTask(dimension, trainSamples, testSamples,
                read.Double($"{prefix}.noise-std", min: 0),
                read.Double($"{prefix}.theta-scale", min: 0, minExclusive: true)),
            _ => new LogisticRegressionTask(dimension,
                read.Int($"{prefix}.classes", min: 2), trainSamples,
                testSamples, read.Double($"{prefix}.separation", min: 0, minExclusive: true)),
        };
    }

    /// <summary>
    /// The data files are looked at here, headers only: a missing or malformed file stops the run before anything is
    /// loaded, and "all" becomes the number of samples the files hold.
    /// </summary>
    private static FashionMnistTask ParseFashionMnist(SettingsReader read, string prefix, int workers)
    {
        var pathKey = $"{prefix}.path";
        var directory = read.Text(pathKey);
        var (trainAvailable, testAvailable) = DataFiles(pathKey, () => FashionMnist.Counts(directory));
        var train = SampleLimit(read, $"{prefix}.train-samples", trainAvailable, "training");
        if (train < workers)
            throw new ConfigException($"{prefix}.train-samples", $"{train} samples cannot give each of {workers} workers at least one");
        var test = SampleLimit(read, $"{prefix}.test-samples", testAvailable, "test");
        var standardized = read.OneOf($"{prefix}.pixels", PixelScalings) == "standardized";
        return new FashionMnistTask(directory, train, test, standardized);
    }

    /// <summary>A number of leading samples to use, where "all" and 0 mean every sample the files hold.</summary>
    private static int SampleLimit(SettingsReader read, string key, int available, string split)
    {
        var limit = read.IntOr(key, "all", min: 0);
        if (limit is null or 0)
            return available;
        if (limit > available)
            throw new ConfigException(key, $"asks for {limit} samples but the {split} files hold {available}");
        return limit.Value;
    }

    /// <summary>Runs a read of a task's data files, reporting a missing or malformed file at the key of their folder.</summary>
    internal static T DataFiles<T>(string key, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // FileNotFoundException's message from the loader already names the file and the install command.
            throw new ConfigException(key, e.Message);
        }
    }

    /// <summary>
    /// Non-iid partitions split by class label, so they need a classification task. Dirichlet never leaves a worker
    /// empty (the partitioner repairs it); label-shards needs a sample per shard.
    /// </summary>
    private static PartitionSettings ParsePartition(SettingsReader read, TaskSettings task, int workers)
    {
        const string prefix = "fedactors.data.partition";
        var name = read.OneOf($"{prefix}.name", PartitionNames);
        var settings = new PartitionSettings(name,
            read.Double($"{prefix}.dirichlet.alpha", min: 0, minExclusive: true),
            read.Int($"{prefix}.label-shards.per-worker", min: 1));
        if (!settings.IsIid && !task.IsClassification)
            throw new ConfigException($"{prefix}.name", $"{name} splits the data by class label and {task.Name} has no labels; use iid");
        if (name == "label-shards" && (long)workers * settings.ShardsPerWorker > task.TrainSamples)
        {
            throw new ConfigException($"{prefix}.label-shards.per-worker",
                $"{workers} workers x {settings.ShardsPerWorker} shards = {(long)workers * settings.ShardsPerWorker} shards, more than the {task.TrainSamples} training samples");
        }
        return settings;
    }

    /// <summary>
    /// An iid split's smallest shard is known here, so a batch larger than it is refused. Non-iid shards are known only
    /// once the data are split; there a worker whose shard is smaller than the batch uses its whole shard.
    /// </summary>
    private static TrainingSettings ParseTraining(SettingsReader read, TaskSettings task, PartitionSettings partition, int workers)
    {
        var batch = read.IntOr("fedactors.training.batch-size", "all", min: 1);
        var smallestShard = task.TrainSamples / workers;
        if (partition.IsIid && batch > smallestShard)
            throw new ConfigException("fedactors.training.batch-size",
                $"batch of {batch} is larger than the smallest worker shard ({smallestShard} samples = {task.TrainSamples} / {workers}); use a smaller batch or 'all'");
        const string t = "fedactors.training";
        var optimizer = read.OneOf($"{t}.optimizer", ["sgd", "adam", "byzantine-pgd"]);
        var momentum = read.Double($"{t}.momentum", min: 0, max: 1, maxExclusive: true);
        // Adam has no heavy-ball term (beta1 plays its part): a momentum left over from an SGD config would otherwise
        // be ignored without a word.
        if (optimizer == "adam" && momentum != 0)
            throw new ConfigException($"{t}.momentum", "adam has no momentum (its first-moment decay is fedactors.training.adam.beta1); set it to 0");
        return new TrainingSettings(
            batch,
            read.Double($"{t}.learning-rate", min: 0, minExclusive: true),
            momentum,
            read.Double($"{t}.weight-decay", min: 0))
        {
            Schedule = read.OneOf($"{t}.schedule", ["constant", "step-decay", "cosine"]),
            StepDecayFactor = read.Double($"{t}.step-decay.factor", min: 0, max: 1, minExclusive: true),
            CosineMinimum = read.Double($"{t}.cosine.minimum", min: 0),
            ProjectionRadius = read.Text($"{t}.projection-radius") == "off" ? null : read.Double($"{t}.projection-radius", min: 0, minExclusive: true),
            Optimizer = optimizer,
            Adam = new AdamSettings(
                read.Double($"{t}.adam.beta1", min: 0, max: 1, maxExclusive: true),
                read.Double($"{t}.adam.beta2", min: 0, max: 1, maxExclusive: true),
                read.Double($"{t}.adam.epsilon", min: 0, minExclusive: true)),
            Pgd = new PgdSettings(
                read.Double($"{t}.byzantine-pgd.epsilon", min: 0, minExclusive: true),
                read.Double($"{t}.byzantine-pgd.perturbation-radius", min: 0, minExclusive: true),
                read.Double($"{t}.byzantine-pgd.escape-radius", min: 0, minExclusive: true),
                read.Int($"{t}.byzantine-pgd.attempts", min: 0),
                read.Int($"{t}.byzantine-pgd.attempt-steps", min: 1)),
        };
    }

    private static AggregatorSettings ParseAggregator(SettingsReader read, int workers, int byzantine)
    {
        const string prefix = "fedactors.aggregator";
        var rule = read.OneOf($"{prefix}.rule", AggregationRules.Names);
        var f = read.IntOr($"{prefix}.f", SettingsReader.Auto, min: 0) ?? byzantine;
        var pre = read.List($"{prefix}.pre");
        foreach (var step in pre)
        {
            if (!PreAggregators.Names.Contains(step))
                throw new ConfigException($"{prefix}.pre", $"unknown step '{step}'; known steps: {string.Join(", ", PreAggregators.Names)}");
        }
        var parameters = pre.Append(rule).Distinct().ToDictionary(name => name, name => read.Block($"{prefix}.{name}"));
        var settings = new AggregatorSettings(rule, f, read.Int($"{prefix}.shards", min: 1), pre, parameters);
        BuildPipeline(settings, workers);
        return settings;
    }

    /// <summary>
    /// Builds the rule and its steps: the one place their parameters are checked, here before the run (naming the
    /// config key) and again by the experiment builder.
    /// </summary>
    public static AggregationPipeline BuildPipeline(AggregatorSettings settings, int workers)
    {
        var steps = new List<IPreAggregator>();
        foreach (var step in settings.Pre)
            steps.Add(Checked(step, settings, workers, () => PreAggregators.Create(step, settings.F, workers, Parameters(settings, step))));
        var rowsForRule = steps.Aggregate(workers, (rows, step) => step.OutputRows(rows));
        var rowsNote = settings.Pre.Count == 0 ? "" : $"; the rule sees {rowsForRule} rows after {string.Join(", ", settings.Pre)}";
        var rule = Checked(settings.Rule, settings, workers,
            () => AggregationRules.Create(settings.Rule, settings.F, rowsForRule, Parameters(settings, settings.Rule)), rowsNote);
        var pipeline = new AggregationPipeline(steps, rule);
        if (!pipeline.CanAggregate(workers))
            throw new ConfigException("fedactors.aggregator.pre",
                $"after {string.Join(", ", settings.Pre)} the rule sees {rowsForRule} rows but {settings.Rule} needs {rule.MinimumRows}");
        return pipeline;
    }

    private static RuleParameters Parameters(AggregatorSettings settings, string name) =>
        new(settings.Parameters.TryGetValue(name, out var block) ? block : null);

    private static T Checked<T>(string name, AggregatorSettings settings, int workers, Func<T> create, string note = "")
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            var problem = ArgumentMessages.WithoutParameterSuffix(e);
            var block = settings.Parameters.GetValueOrDefault(name);
            var key = e.ParamName switch
            {
                "f" or "n" => "fedactors.aggregator.f",
                { } parameter when block is not null && block.ContainsKey(parameter) => $"fedactors.aggregator.{name}.{parameter}",
                _ => $"fedactors.aggregator.{name}",
            };
            throw new ConfigException(key, $"{problem} (f = {settings.F}, workers.count = {workers}{note})");
        }
    }

    private static AttackSettings ParseAttack(SettingsReader read, TaskSettings task, int workers, int byzantine,
        TimeSpan roundDeadline, ulong trainingSeed)
    {
        var name = read.OneOf("fedactors.attack.name", AttackCatalog.Names);
        var kind = AttackCatalog.KindOf(name);
        var knowledge = read.OneOf("fedactors.attack.knowledge", ["own", "omniscient"]) == "own"
            ? AdversaryKnowledge.Own
            : AdversaryKnowledge.Omniscient;
        var membership = read.OneOf("fedactors.attack.membership", ["static", "dynamic"]) == "static"
            ? Membership.Static
            : Membership.Dynamic;
        var coalitionDeadline = read.Duration("fedactors.attack.coalition.deadline");
        if (coalitionDeadline >= roundDeadline)
        {
            throw new ConfigException("fedactors.attack.coalition.deadline",
                $"{coalitionDeadline.TotalSeconds} s is not shorter than fedactors.round.deadline ({roundDeadline.TotalSeconds} s): members would report too late");
        }

        const string a = "fedactors.attack";
        var parameters = new AttackParameters(
            read.Double($"{a}.sign-flip.scale", min: 0, minExclusive: true),
            read.Double($"{a}.gaussian.mean"),
            read.Double($"{a}.gaussian.std", min: 0))
        {
            ScaledScale = read.Double($"{a}.scaled.scale", min: 0, minExclusive: true),
            AdditiveNoiseSigma = read.Double($"{a}.additive-noise.sigma", min: 0),
            AdditiveNoiseFixed = read.OneOf($"{a}.additive-noise.noise", ["fresh", "fixed"]) == "fixed",
            NonFiniteMode = NonFiniteAttack.ParseMode(read.OneOf($"{a}.nonfinite.mode", ["nan", "inf", "mixed"])),
            BitFlipProbability = read.Double($"{a}.bit-flip.probability", min: 0, max: 1),
            BackdoorTargetClass = read.Int($"{a}.backdoor.target-class", min: 0),
            BackdoorFraction = read.Double($"{a}.backdoor.fraction", min: 0, max: 1),
            BackdoorTriggerFeatures = read.Int($"{a}.backdoor.trigger-features", min: 0),
            BackdoorTriggerValue = read.DoubleOrAuto($"{a}.backdoor.trigger-value"),
            FeatureNoiseSigma = read.Double($"{a}.feature-noise.sigma", min: 0),
            FeatureNoiseMin = read.DoubleOrAuto($"{a}.feature-noise.min"),
            FeatureNoiseMax = read.DoubleOrAuto($"{a}.feature-noise.max"),
            ImpulseFraction = read.Double($"{a}.impulse.fraction", min: 0, max: 1),
            ImpulseMin = read.DoubleOrAuto($"{a}.impulse.min"),
            ImpulseMax = read.DoubleOrAuto($"{a}.impulse.max"),
            AlieZ = read.DoubleOrAuto($"{a}.alie.z", min: 0),
            IpmEpsilon = read.Double($"{a}.ipm.epsilon", min: 0),
            MinMaxPerturbation = DistanceBoundAttack.ParsePerturbation(read.OneOf($"{a}.min-max.perturbation", ["unit", "sign", "std"])),
            MinSumPerturbation = DistanceBoundAttack.ParsePerturbation(read.OneOf($"{a}.min-sum.perturbation", ["unit", "sign", "std"])),
            AlieOptMaxZ = read.Double($"{a}.alie-opt.max-z", min: 0, minExclusive: true),
            AlieOptGridPoints = read.Int($"{a}.alie-opt.grid-points", min: 2),
            AlieOptRefineSteps = read.Int($"{a}.alie-opt.refine-steps", min: 0),
            IpmOptMaxEpsilon = read.Double($"{a}.ipm-opt.max-epsilon", min: 0, minExclusive: true),
            IpmOptGridPoints = read.Int($"{a}.ipm-opt.grid-points", min: 2),
            IpmOptRefineSteps = read.Int($"{a}.ipm-opt.refine-steps", min: 0),
            AntiFilterNoise = read.Double($"{a}.anti-filter.noise", min: 0),
            SaddleMaxScale = read.DoubleOrAuto($"{a}.saddle.max-scale", min: 0),
            SaddleGridPoints = read.Int($"{a}.saddle.grid-points", min: 2),
            SaddleRefineSteps = read.Int($"{a}.saddle.refine-steps", min: 0),
            SaddleMode = SaddleAttack.ParseMode(read.OneOf($"{a}.saddle.mode", [.. SaddleAttack.ModeNames])),
        };

        CheckAttackFitsRun(name, kind, parameters, task, workers, byzantine, trainingSeed);
        return new AttackSettings(name, kind, knowledge, membership, coalitionDeadline, parameters);
    }

    /// <summary>
    /// Builds the chosen attack once, so a parameter its constructor refuses fails here naming the key, and checks
    /// what depends on the rest of the run: poisoning labels needs classes; ALIE's z needs an honest majority.
    /// </summary>
    private static void CheckAttackFitsRun(string name, AttackKind kind, AttackParameters parameters, TaskSettings task,
        int workers, int byzantine, ulong trainingSeed)
    {
        var key = $"fedactors.attack.{name}";
        try
        {
            switch (kind)
            {
                case AttackKind.Local:
                    AttackCatalog.CreateLocal(name, parameters);
                    break;
                case AttackKind.DataPoisoning:
                    AttackCatalog.CreateDataPoisoning(name, parameters);
                    break;
                case AttackKind.Coalition:
                    AttackCatalog.CreateCoalition(name, parameters, trainingSeed);
                    break;
            }
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(e.ParamName is { Length: > 0 } parameter ? $"{key}.{Kebab(parameter)}" : key, e.Message);
        }

        if (name is "label-flip" or "backdoor" && !task.IsClassification)
            throw new ConfigException("fedactors.attack.name", $"{name} poisons labels and needs a classification task, not {task.Name}");
        if (name == "backdoor" && task.IsClassification && parameters.BackdoorTargetClass >= task.Classes)
        {
            throw new ConfigException($"{key}.target-class",
                $"class {parameters.BackdoorTargetClass} does not exist: the task has {task.Classes} classes");
        }
        if (name is "alie" && parameters.AlieZ is null && byzantine > 0 && 2 * byzantine >= workers)
        {
            throw new ConfigException("fedactors.attack.alie.z",
                $"z from n and f needs fewer than half of the {workers} workers Byzantine, got {byzantine}; give z");
        }
    }

    /// <summary>A constructor's parameter name as the config key it comes from: targetClass -> target-class.</summary>
    private static string Kebab(string parameter) =>
        string.Concat(parameter.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
