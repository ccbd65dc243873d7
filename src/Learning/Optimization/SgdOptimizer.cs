namespace FedActors.Learning;

/// <summary>
/// SGD with heavy-ball momentum and L2 weight decay, in PyTorch's convention (no dampening, no Nesterov):
/// g' = g + weightDecay * theta; v = momentum * v + g'; theta -= learningRate * v. With momentum 0, v = g'.
/// Arithmetic is in double; the velocity is stored as float and the update uses the stored value, so
/// <see cref="Velocity"/> and <see cref="Steps"/> together with the parameters are the complete optimizer state.
/// Optionally the step size follows a <see cref="LearningRateSchedule"/>, and each update is followed by the projection
/// onto a <see cref="ProjectionBall"/>.
/// </summary>
public sealed class SgdOptimizer : IOptimizer
{
    private readonly ProjectionBall? _ball;

    public SgdOptimizer(int parameterCount, double learningRate, double momentum, double weightDecay)
        : this(parameterCount, learningRate, momentum, weightDecay, schedule: null, ballCenter: null, ballRadius: 0)
    {
    }

    /// <param name="schedule">The step size per update; null is the constant <paramref name="learningRate"/>.</param>
    /// <param name="ballCenter">Center of the projection ball (copied), or null for no projection.</param>
    public SgdOptimizer(int parameterCount, double learningRate, double momentum, double weightDecay,
        LearningRateSchedule? schedule, ReadOnlySpan<float> ballCenter, double ballRadius)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        OptimizerArguments.Positive(learningRate, nameof(learningRate));
        OptimizerArguments.Decay(momentum, nameof(momentum));
        OptimizerArguments.NonNegative(weightDecay, nameof(weightDecay));
        _ball = ProjectionBall.Create(parameterCount, ballCenter, ballRadius);
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Schedule = schedule ?? new LearningRateSchedule.Constant(learningRate);
        Velocity = new float[parameterCount];
    }

    public LearningRateSchedule Schedule { get; }

    /// <summary>Radius of the projection ball; 0 when there is none.</summary>
    public double BallRadius => _ball?.Radius ?? 0;

    /// <summary>Updates applied so far: the schedule's position.</summary>
    public long Steps { get; set; }

    public double LearningRate { get; }

    public double Momentum { get; }

    public double WeightDecay { get; }

    /// <summary>The momentum buffer v (zeros at start); exposed so a checkpoint can save and restore it.</summary>
    public float[] Velocity { get; }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        if (parameters.Length != Velocity.Length)
        {
            throw new ArgumentException($"Expected {Velocity.Length} parameters, got {parameters.Length}.", nameof(parameters));
        }
        if (gradient.Length != Velocity.Length)
        {
            throw new ArgumentException($"Expected {Velocity.Length} gradient entries, got {gradient.Length}.", nameof(gradient));
        }

        double rate = Schedule.Rate(Steps);
        for (int j = 0; j < parameters.Length; j++)
        {
            double g = gradient[j] + WeightDecay * parameters[j];
            // Skipping the product when momentum is 0 keeps a non-finite old velocity from leaking in as 0 * inf.
            float v = Momentum == 0 ? (float)g : (float)(Momentum * Velocity[j] + g);
            Velocity[j] = v;
            parameters[j] = (float)(parameters[j] - rate * v);
        }
        Steps++;
        _ball?.Project(parameters);
    }

    public void SaveState(BinaryWriter writer)
    {
        writer.Write(Steps);
        writer.Write(Velocity.Length);
        foreach (var v in Velocity)
            writer.Write(v);
    }

    public void LoadState(BinaryReader reader)
    {
        var steps = reader.ReadInt64();
        var length = reader.ReadInt32();
        if (length != Velocity.Length)
            throw new InvalidDataException($"the saved velocity has {length} values, the optimizer {Velocity.Length}");
        for (int j = 0; j < length; j++)
            Velocity[j] = reader.ReadSingle();
        Steps = steps;
    }
}
