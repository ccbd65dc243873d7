namespace FedActors.Learning;

/// <summary>
/// A smooth non-convex objective with a strict saddle, for ByzantinePGD: f(w) = 1/2 sum_{j &lt; d-1} w_j^2
/// + 1/4 w_{d-1}^4 - 1/2 w_{d-1}^2. The origin is a saddle (Hessian eigenvalue -1 along the last coordinate, f = 0);
/// the minima are w = (0, ..., 0, +-1) with f = -1/4. A sample is a noise vector z and its loss f(w) - &lt;z, w&gt;,
/// so an honest mini-batch gradient is grad f(w) minus the batch's mean noise: unbiased, with the spread of the noise.
/// </summary>
public sealed class StrictSaddleModel : IModel
{
    public StrictSaddleModel(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ParameterCount = dimension;
    }

    public int ParameterCount { get; }

    /// <summary>The task's data: <paramref name="samples"/> noise vectors z ~ N(0, std^2 I_d) (targets unused, zero).</summary>
    public static Dataset Noise(int dimension, int samples, double std, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        if (!(std >= 0) || double.IsInfinity(std))
            throw new ArgumentOutOfRangeException(nameof(std), std, "Must be non-negative and finite.");
        var random = new DeterministicRandom(seed);
        var features = new float[(long)samples * dimension];
        for (var k = 0; k < features.Length; k++)
            features[k] = (float)(std * random.NextGaussian());
        return new Dataset(samples, dimension, features, new float[samples], classCount: 0);
    }

    /// <summary>The population objective f, without noise: the metric a run reports as its distance to a minimum.</summary>
    public static double Objective(ReadOnlySpan<float> w)
    {
        double sum = 0;
        for (var j = 0; j < w.Length - 1; j++)
            sum += 0.5 * w[j] * (double)w[j];
        double last = w[^1];
        return sum + 0.25 * last * last * last * last - 0.5 * last * last;
    }

    /// <summary>Starts exactly at the saddle: the case robust gradient descent cannot leave on its own.</summary>
    public void Initialize(Span<float> parameters, Random random)
    {
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        parameters.Clear();
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        ModelArguments.Check(this, ParameterCount, parameters, data, batch);
        ModelArguments.CheckGradient(this, gradient);
        var d = ParameterCount;
        var noise = new double[d];
        foreach (var i in batch)
        {
            var z = data.Row(i);
            for (var j = 0; j < d; j++)
                noise[j] += z[j];
        }
        var mean = 1.0 / batch.Length;
        double inner = 0;
        for (var j = 0; j < d; j++)
        {
            noise[j] *= mean;
            inner += noise[j] * parameters[j];
            double w = parameters[j];
            var exact = j < d - 1 ? w : w * w * w - w;
            gradient[j] = (float)(exact - noise[j]);
        }
        return Objective(parameters) - inner;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch)
    {
        ModelArguments.Check(this, ParameterCount, parameters, data, batch);
        double inner = 0;
        foreach (var i in batch)
        {
            var z = data.Row(i);
            for (var j = 0; j < ParameterCount; j++)
                inner += (double)z[j] * parameters[j];
        }
        return Objective(parameters) - inner / batch.Length;
    }
}
