namespace FedActors.Learning;

/// <summary>
/// ByzantinePGD (Yin et al. 2019): gradient descent on the robust aggregate that escapes saddle points. While the
/// aggregate's norm exceeds epsilon it takes the step w -= eta g. Once it drops to epsilon or below, w becomes the
/// anchor and up to Q escape attempts follow, each from anchor + xi with xi uniform in the l2 ball of radius r, running
/// T_th plain steps; an attempt escapes when the iterate moves at least R from the anchor, and descent continues from
/// there. If no attempt escapes the anchor is returned and kept: the algorithm has found an approximate local minimum.
/// </summary>
/// <remarks>
/// One call is one round: the aggregate was computed by the workers at the current parameters, which during an attempt
/// are the perturbed iterate. The paper's constants (eta = 1/L, eps = 3 Delta, r, R, Q, T_th from Delta, d and the
/// Hessian-Lipschitz constant) are left to the caller, since Delta depends on the rule and the attack.
/// </remarks>
public sealed class ByzantinePgdOptimizer : IOptimizer
{
    private readonly DeterministicRandom _random;
    private float[]? _anchor;
    private int _attemptSteps;
    private int _attemptsLeft;

    public ByzantinePgdOptimizer(double learningRate, double epsilon, double perturbationRadius, double escapeRadius,
        int attempts, int attemptSteps, DeterministicRandom random)
    {
        OptimizerArguments.Positive(learningRate, nameof(learningRate));
        OptimizerArguments.Positive(epsilon, nameof(epsilon));
        OptimizerArguments.Positive(perturbationRadius, nameof(perturbationRadius));
        OptimizerArguments.Positive(escapeRadius, nameof(escapeRadius));
        ArgumentOutOfRangeException.ThrowIfNegative(attempts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attemptSteps);
        ArgumentNullException.ThrowIfNull(random);
        LearningRate = learningRate;
        Epsilon = epsilon;
        PerturbationRadius = perturbationRadius;
        EscapeRadius = escapeRadius;
        Attempts = attempts;
        AttemptSteps = attemptSteps;
        _random = random;
    }

    public enum State
    {
        /// <summary>Gradient descent while the aggregate is large.</summary>
        Descending,

        /// <summary>Running an escape attempt from a perturbed anchor.</summary>
        Escaping,

        /// <summary>No attempt escaped: the parameters are the anchor and stay there.</summary>
        Converged,
    }

    public double LearningRate { get; }
    public double Epsilon { get; }
    public double PerturbationRadius { get; }
    public double EscapeRadius { get; }
    public int Attempts { get; }
    public int AttemptSteps { get; }

    public State Phase { get; private set; } = State.Descending;

    /// <summary>Attempts that moved the iterate at least R from their anchor.</summary>
    public int Escapes { get; private set; }

    /// <summary>Attempts started, over the whole run.</summary>
    public int AttemptsStarted { get; private set; }

    public void Step(Span<float> parameters, ReadOnlySpan<float> aggregate)
    {
        if (parameters.Length != aggregate.Length)
            throw new ArgumentException($"{aggregate.Length} aggregate values for {parameters.Length} parameters", nameof(aggregate));
        switch (Phase)
        {
            case State.Descending:
                if (Norm(aggregate) > Epsilon)
                {
                    Descend(parameters, aggregate);
                    return;
                }
                _anchor = parameters.ToArray();
                _attemptsLeft = Attempts;
                StartAttemptOrConverge(parameters);
                return;
            case State.Escaping:
                Descend(parameters, aggregate);
                _attemptSteps++;
                if (Distance(parameters, _anchor!) >= EscapeRadius)
                {
                    Escapes++;
                    Phase = State.Descending;
                    _anchor = null;
                }
                else if (_attemptSteps >= AttemptSteps)
                {
                    StartAttemptOrConverge(parameters);
                }
                return;
            default:
                return;
        }
    }

    public void SaveState(BinaryWriter writer)
    {
        writer.Write((int)Phase);
        writer.Write(_attemptSteps);
        writer.Write(_attemptsLeft);
        writer.Write(Escapes);
        writer.Write(AttemptsStarted);
        writer.Write(_anchor?.Length ?? -1);
        foreach (var value in _anchor ?? [])
            writer.Write(value);
        _random.SaveState(writer);
    }

    public void LoadState(BinaryReader reader)
    {
        var phase = (State)reader.ReadInt32();
        if (!Enum.IsDefined(phase))
            throw new InvalidDataException($"unknown ByzantinePGD phase {(int)phase}");
        Phase = phase;
        _attemptSteps = reader.ReadInt32();
        _attemptsLeft = reader.ReadInt32();
        Escapes = reader.ReadInt32();
        AttemptsStarted = reader.ReadInt32();
        var anchorLength = reader.ReadInt32();
        _anchor = anchorLength < 0 ? null : new float[anchorLength];
        for (var j = 0; j < anchorLength; j++)
            _anchor![j] = reader.ReadSingle();
        _random.LoadState(reader);
    }

    private void StartAttemptOrConverge(Span<float> parameters)
    {
        var anchor = _anchor!;
        if (_attemptsLeft == 0)
        {
            anchor.CopyTo(parameters);
            Phase = State.Converged;
            return;
        }
        _attemptsLeft--;
        AttemptsStarted++;
        _attemptSteps = 0;
        Phase = State.Escaping;
        // Uniform in the ball: a uniform direction (normalised Gaussian) at radius r U^(1/d).
        var direction = new double[parameters.Length];
        double squared = 0;
        for (var j = 0; j < direction.Length; j++)
        {
            direction[j] = _random.NextGaussian();
            squared += direction[j] * direction[j];
        }
        var radius = PerturbationRadius * Math.Pow(_random.NextDouble(), 1.0 / parameters.Length);
        var scale = squared > 0 ? radius / Math.Sqrt(squared) : 0;
        for (var j = 0; j < parameters.Length; j++)
            parameters[j] = (float)(anchor[j] + scale * direction[j]);
    }

    private void Descend(Span<float> parameters, ReadOnlySpan<float> aggregate)
    {
        for (var j = 0; j < parameters.Length; j++)
            parameters[j] = (float)(parameters[j] - LearningRate * aggregate[j]);
    }

    private static double Norm(ReadOnlySpan<float> values)
    {
        double squared = 0;
        foreach (var value in values)
            squared += (double)value * value;
        return Math.Sqrt(squared);
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double squared = 0;
        for (var j = 0; j < a.Length; j++)
        {
            var difference = (double)a[j] - b[j];
            squared += difference * difference;
        }
        return Math.Sqrt(squared);
    }
}
