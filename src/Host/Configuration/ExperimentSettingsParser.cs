using Akka.Configuration;
using FedActors.Aggregation;
using FedActors.Attacks;
using FedActors.Learning;

namespace FedActors.Host.Configuration;

/// <summary>Reads and checks every fedactors.* key, including the checks that involve several keys, before any actor exists.</summary>
public static class ExperimentSettingsParser
{
    public static IReadOnlyList<string> TaskNames { get; } = ["linear-regression", "logistic-regression"];

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
        var training = ParseTraining(read, task, workers);
        var aggregator = ParseAggregator(read, workers, byzantine);
        var attack = ParseAttack(read);

        return new ExperimentSettings(
            name, rounds, baseSeed, dataSeed, trainingSeed, workers, byzantine, task, training, aggregator, attack,
            read.Duration("fedactors.round.deadline"),
            read.Int("fedactors.eval.every", min: 0));
    }

    private static TaskSettings ParseTask(SettingsReader read, int workers)
    {
        var name = read.OneOf("fedactors.task.name", TaskNames);
        var prefix = $"fedactors.task.{name}";
        var dimension = read.Int($"{prefix}.dimension", min: 1);
        var trainSamples = read.Int($"{prefix}.train-samples", min: 1);
        if (trainSamples < workers)
            throw new ConfigException($"{prefix}.train-samples", $"{trainSamples} samples cannot give each of {workers} workers at least one");
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

    private static TrainingSettings ParseTraining(SettingsReader read, TaskSettings task, int workers)
    {
        var batch = read.IntOr("fedactors.training.batch-size", "all", min: 1);
        var smallestShard = task.TrainSamples / workers;
        if (batch > smallestShard)
            throw new ConfigException("fedactors.training.batch-size",
                $"batch of {batch} is larger than the smallest worker shard ({smallestShard} samples = {task.TrainSamples} / {workers}); use a smaller batch or 'all'");
        return new TrainingSettings(
            batch,
            read.Double("fedactors.training.learning-rate", min: 0, minExclusive: true),
            read.Double("fedactors.training.momentum", min: 0, max: 1, maxExclusive: true),
            read.Double("fedactors.training.weight-decay", min: 0));
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
            // ArgumentException appends "(Parameter 'f')", which means nothing to someone editing a config file.
            var problem = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
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

    private static AttackSettings ParseAttack(SettingsReader read)
    {
        var name = read.OneOf("fedactors.attack.name", AttackCatalog.Names);
        return new AttackSettings(
            name,
            read.Double("fedactors.attack.sign-flip.scale", min: 0, minExclusive: true),
            read.Double("fedactors.attack.gaussian.mean"),
            read.Double("fedactors.attack.gaussian.std", min: 0));
    }
}
