using FedActors.Attacks;

namespace FedActors.Host.Configuration;

/// <summary>A validated experiment: every value read from fedactors.*, checked, with "auto" values resolved.</summary>
public sealed record ExperimentSettings(
    string Name,
    int Rounds,
    ulong BaseSeed,
    ulong DataSeed,
    ulong TrainingSeed,
    int Workers,
    int Byzantine,
    TaskSettings Task,
    PartitionSettings Partition,
    ModelSettings Model,
    TrainingSettings Training,
    AggregatorSettings Aggregator,
    AttackSettings Attack,
    TimeSpan RoundDeadline,
    int EvalEvery,
    int CheckpointEvery = 0);

/// <summary>The learning problem; one subtype per <c>fedactors.task.name</c>.</summary>
/// <param name="Classes">The number of classes of a classification task; 0 for regression.</param>
/// <param name="TrainSamples">Training samples the run uses (a data file's limit resolved to a number).</param>
public abstract record TaskSettings(string Name, int Dimension, int Classes, int TrainSamples, int TestSamples)
{
    public bool IsClassification => Classes > 0;
}

public sealed record LinearRegressionTask(int Dimension, int TrainSamples, int TestSamples, double NoiseStd, double ThetaScale)
    : TaskSettings("linear-regression", Dimension, 0, TrainSamples, TestSamples);

public sealed record LogisticRegressionTask(int Dimension, int Classes, int TrainSamples, int TestSamples, double Separation)
    : TaskSettings("logistic-regression", Dimension, Classes, TrainSamples, TestSamples);

public sealed record StrictSaddleTask(int Dimension, int TrainSamples, double NoiseStd)
    : TaskSettings("strict-saddle", Dimension, 0, TrainSamples, 0);

/// <summary>Fashion-MNIST from the files in <paramref name="Directory"/>: the first TrainSamples and TestSamples of each split.</summary>
/// <param name="Standardized">Pixels standardised with the training set's mean and deviation rather than scaled to [0, 1].</param>
public sealed record FashionMnistTask(string Directory, int TrainSamples, int TestSamples, bool Standardized)
    : TaskSettings("fashion-mnist", FedActors.Learning.FashionMnist.FeatureCount, FedActors.Learning.FashionMnist.ClassCount,
        TrainSamples, TestSamples);

/// <summary>How the training samples are split among workers (<c>fedactors.data.partition</c>).</summary>
/// <param name="Name">iid, dirichlet or label-shards.</param>
/// <param name="DirichletAlpha">The concentration of dirichlet.</param>
/// <param name="ShardsPerWorker">Shards per worker of label-shards.</param>
public sealed record PartitionSettings(string Name, double DirichletAlpha, int ShardsPerWorker)
{
    public bool IsIid => Name == "iid";
}

/// <summary>The model trained on the task; <see cref="Name"/> is resolved (never "auto").</summary>
/// <param name="Hidden">Hidden layer widths of the mlp.</param>
public sealed record ModelSettings(string Name, IReadOnlyList<int> Hidden)
{
    /// <summary>The lenet widths and dropout (conv1, conv2, hidden, dropout).</summary>
    public (int Conv1, int Conv2, int Hidden, double Dropout) LeNet { get; init; } = (64, 64, 1024, 0.5);

    /// <summary>How the lenet's parameters start (model.lenet.init).</summary>
    public FedActors.Learning.LeNetInitialization LeNetInitialization { get; init; }

    public bool Equals(ModelSettings? other) =>
        other is not null && Name == other.Name && Hidden.SequenceEqual(other.Hidden) && LeNet == other.LeNet
        && LeNetInitialization == other.LeNetInitialization;

    public override int GetHashCode() => HashCode.Combine(Name, Hidden.Count);
}

/// <param name="BatchSize">Mini-batch size, or null for each worker's whole shard.</param>
public sealed record TrainingSettings(int? BatchSize, double LearningRate, double Momentum, double WeightDecay)
{
    /// <summary>constant | step-decay | cosine.</summary>
    public string Schedule { get; init; } = "constant";
    public double StepDecayFactor { get; init; } = 0.99;
    public double CosineMinimum { get; init; }
    /// <summary>Radius of the projection ball around the initial parameters; null for none.</summary>
    public double? ProjectionRadius { get; init; }
    /// <summary>sgd | adam | byzantine-pgd.</summary>
    public string Optimizer { get; init; } = "sgd";
    public AdamSettings Adam { get; init; } = new(0.9, 0.999, 1e-8);
    public PgdSettings Pgd { get; init; } = new(0.05, 0.1, 0.5, 3, 30);
}

/// <summary>Adam's constants (see reference.conf, fedactors.training.adam).</summary>
public sealed record AdamSettings(double Beta1, double Beta2, double Epsilon);

/// <summary>ByzantinePGD's constants (see reference.conf, fedactors.training.byzantine-pgd).</summary>
public sealed record PgdSettings(double Epsilon, double PerturbationRadius, double EscapeRadius, int Attempts, int AttemptSteps);

/// <param name="F">The number of Byzantine rows the rule is told to tolerate (workers.byzantine unless set).</param>
/// <param name="Pre">Pre-aggregation steps, applied in order before the rule.</param>
/// <param name="Parameters">The parameter block of the rule and of each step, by name (all keys of reference.conf's
/// block, defaults included).</param>
public sealed record AggregatorSettings(
    string Rule, int F, int Shards, IReadOnlyList<string> Pre, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Parameters)
{
    public bool Equals(AggregatorSettings? other) =>
        other is not null && Rule == other.Rule && F == other.F && Shards == other.Shards && Pre.SequenceEqual(other.Pre)
        && Parameters.Count == other.Parameters.Count
        && Parameters.All(block => other.Parameters.TryGetValue(block.Key, out var theirs)
            && block.Value.Count == theirs.Count
            && block.Value.All(parameter => theirs.TryGetValue(parameter.Key, out var value) && value == parameter.Value));

    public override int GetHashCode() => HashCode.Combine(Rule, F, Shards, Pre.Count, Parameters.Count);
}

/// <summary>The threat model and attack of a run.</summary>
/// <param name="CoalitionDeadline">How long the coalition waits for its inputs before forging with what it has.</param>
/// <param name="Parameters">Every attack's parameters (each block of reference.conf), not only the chosen one's.</param>
public sealed record AttackSettings(
    string Name,
    AttackKind Kind,
    AdversaryKnowledge Knowledge,
    Membership Membership,
    TimeSpan CoalitionDeadline,
    AttackParameters Parameters);
