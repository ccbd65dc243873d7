namespace FedActors.Learning;

/// <summary>
/// SGD with heavy-ball momentum and L2 weight decay, in PyTorch's convention (no dampening, no Nesterov):
/// g' = g + weightDecay * theta; v = momentum * v + g'; theta -= learningRate * v. With momentum 0, v = g'.
/// Arithmetic is in double; the velocity is stored as float and the update uses the stored value, so
/// <see cref="Velocity"/> together with the parameters is the complete optimizer state.
/// </summary>
public sealed class SgdOptimizer
{
    public SgdOptimizer(int parameterCount, double learningRate, double momentum, double weightDecay)
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

        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Velocity = new float[parameterCount];
    }

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

        for (int j = 0; j < parameters.Length; j++)
        {
            double g = gradient[j] + WeightDecay * parameters[j];
            // Skipping the product when momentum is 0 keeps a non-finite old velocity from leaking in as 0 * inf.
            float v = Momentum == 0 ? (float)g : (float)(Momentum * Velocity[j] + g);
            Velocity[j] = v;
            parameters[j] = (float)(parameters[j] - LearningRate * v);
        }
    }
}
