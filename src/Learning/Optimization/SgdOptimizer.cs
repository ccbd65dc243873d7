namespace FedActors.Learning;

/// <summary>
/// SGD with heavy-ball momentum and L2 weight decay, in PyTorch's convention (no dampening, no Nesterov):
/// g' = g + weightDecay * theta; v = momentum * v + g'; theta -= learningRate * v. With momentum 0, v = g'.
/// Arithmetic is in double; the velocity is stored as float and the update uses the stored value, so
/// <see cref="Velocity"/> and <see cref="Steps"/> together with the parameters are the complete optimizer state.
/// Optionally the step size follows a <see cref="LearningRateSchedule"/>, and each update is followed by the projection
/// onto the ball ||theta - center|| &lt;= radius (ByzantineSGD's projected step onto ||x - x_1|| &lt;= D).
/// </summary>
public sealed class SgdOptimizer : IOptimizer
{
    private readonly float[]? _ballCenter;

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
        if (!(learningRate > 0) || double.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be positive and finite.");
        }
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Must be in [0, 1).");
        }
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Must be non-negative and finite.");
        }

        if (!ballCenter.IsEmpty)
        {
            if (ballCenter.Length != parameterCount)
                throw new ArgumentException($"The ball's center has {ballCenter.Length} values, expected {parameterCount}.", nameof(ballCenter));
            if (!(ballRadius > 0) || double.IsInfinity(ballRadius))
                throw new ArgumentOutOfRangeException(nameof(ballRadius), ballRadius, "Must be positive and finite.");
            _ballCenter = ballCenter.ToArray();
            BallRadius = ballRadius;
        }

        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Schedule = schedule ?? new LearningRateSchedule.Constant(learningRate);
        Velocity = new float[parameterCount];
    }

    public LearningRateSchedule Schedule { get; }

    /// <summary>Radius of the projection ball; 0 when there is none.</summary>
    public double BallRadius { get; }

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
        if (_ballCenter is not null)
            ProjectOntoBall(parameters, _ballCenter, BallRadius);
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

    /// <summary>theta = center + radius (theta - center) / ||theta - center|| when theta lies outside the ball.</summary>
    public static void ProjectOntoBall(Span<float> parameters, ReadOnlySpan<float> center, double radius)
    {
        double squared = 0;
        for (int j = 0; j < parameters.Length; j++)
        {
            double offset = parameters[j] - (double)center[j];
            squared += offset * offset;
        }
        double distance = Math.Sqrt(squared);
        if (distance <= radius)
            return;
        double shrink = radius / distance;
        for (int j = 0; j < parameters.Length; j++)
            parameters[j] = (float)(center[j] + shrink * (parameters[j] - (double)center[j]));
    }
}
