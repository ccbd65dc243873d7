namespace FedActors.Learning;

/// <summary>
/// Adam (Kingma and Ba 2015) in PyTorch's convention (<c>torch.optim.Adam</c>, amsgrad off): g' = g + weightDecay *
/// theta (L2, not decoupled); m = beta1 m + (1 - beta1) g'; v = beta2 v + (1 - beta2) g'^2; theta -= rate / (1 -
/// beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon), t counting from 1. Arithmetic is in double; m and v are
/// stored as float and the update uses the stored values, so <see cref="FirstMoment"/>, <see cref="SecondMoment"/>
/// and <see cref="Steps"/> together with the parameters are the complete optimizer state. The step size follows a
/// <see cref="LearningRateSchedule"/>, and each update can be followed by the projection onto a
/// <see cref="ProjectionBall"/>.
/// </summary>
/// <remarks>
/// Why it is here: the block-coordinate geometric median paper's reference code trains with Adam by default, and Adam
/// treats a robust rule's small, consistent per-coordinate bias very differently from SGD: where the true gradient is
/// near zero, m / sqrt(v) of a constant bias b is about sign(b), a full-size step, where SGD moves by rate * b.
/// </remarks>
public sealed class AdamOptimizer : IOptimizer
{
    private readonly ProjectionBall? _ball;

    /// <param name="schedule">The step size per update; null is the constant <paramref name="learningRate"/>.</param>
    /// <param name="ballCenter">Center of the projection ball (copied), or empty for no projection.</param>
    public AdamOptimizer(int parameterCount, double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
        LearningRateSchedule? schedule = null, ReadOnlySpan<float> ballCenter = default, double ballRadius = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        OptimizerArguments.Positive(learningRate, nameof(learningRate));
        OptimizerArguments.Decay(beta1, nameof(beta1));
        OptimizerArguments.Decay(beta2, nameof(beta2));
        OptimizerArguments.Positive(epsilon, nameof(epsilon));
        OptimizerArguments.NonNegative(weightDecay, nameof(weightDecay));
        _ball = ProjectionBall.Create(parameterCount, ballCenter, ballRadius);
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Schedule = schedule ?? new LearningRateSchedule.Constant(learningRate);
        FirstMoment = new float[parameterCount];
        SecondMoment = new float[parameterCount];
    }

    public double LearningRate { get; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    public double WeightDecay { get; }

    public LearningRateSchedule Schedule { get; }

    /// <summary>Radius of the projection ball; 0 when there is none.</summary>
    public double BallRadius => _ball?.Radius ?? 0;

    /// <summary>Updates applied so far: t - 1 of the next update, and the schedule's position.</summary>
    public long Steps { get; private set; }

    /// <summary>m, the moving average of the gradients (zeros at start).</summary>
    public float[] FirstMoment { get; }

    /// <summary>v, the moving average of the squared gradients (zeros at start).</summary>
    public float[] SecondMoment { get; }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        if (parameters.Length != FirstMoment.Length)
            throw new ArgumentException($"Expected {FirstMoment.Length} parameters, got {parameters.Length}.", nameof(parameters));
        if (gradient.Length != FirstMoment.Length)
            throw new ArgumentException($"Expected {FirstMoment.Length} gradient entries, got {gradient.Length}.", nameof(gradient));
        var t = Steps + 1;
        var stepSize = Schedule.Rate(Steps) / (1 - Math.Pow(Beta1, t));
        var rootCorrection = Math.Sqrt(1 - Math.Pow(Beta2, t));
        for (var j = 0; j < parameters.Length; j++)
        {
            var g = gradient[j] + WeightDecay * parameters[j];
            var m = (float)(Beta1 * FirstMoment[j] + (1 - Beta1) * g);
            var v = (float)(Beta2 * SecondMoment[j] + (1 - Beta2) * g * g);
            FirstMoment[j] = m;
            SecondMoment[j] = v;
            parameters[j] = (float)(parameters[j] - stepSize * m / (Math.Sqrt(v) / rootCorrection + Epsilon));
        }
        Steps = t;
        _ball?.Project(parameters);
    }

    public void SaveState(BinaryWriter writer)
    {
        writer.Write(Steps);
        writer.Write(FirstMoment.Length);
        foreach (var m in FirstMoment)
            writer.Write(m);
        foreach (var v in SecondMoment)
            writer.Write(v);
    }

    public void LoadState(BinaryReader reader)
    {
        var steps = reader.ReadInt64();
        var length = reader.ReadInt32();
        if (length != FirstMoment.Length)
            throw new InvalidDataException($"the saved moments have {length} values, the optimizer {FirstMoment.Length}");
        if (steps < 0)
            throw new InvalidDataException($"the saved step count {steps} is negative");
        for (var j = 0; j < length; j++)
            FirstMoment[j] = reader.ReadSingle();
        for (var j = 0; j < length; j++)
            SecondMoment[j] = reader.ReadSingle();
        Steps = steps;
    }
}
