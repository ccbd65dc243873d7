using System.Buffers;

namespace FedActors.Learning;

/// <summary>
/// A multi-layer perceptron classifier: hidden layers with ReLU, then a softmax output trained with cross-entropy.
/// Parameters, layer by layer: W_l (outputs x inputs, row-major) followed by b_l. Backpropagation per sample:
/// delta_L = softmax(z_L) - e_y; dW_l = delta_l a_{l-1}^T, db_l = delta_l; delta_{l-1} = (W_l^T delta_l) * [z_{l-1} &gt; 0].
/// Computed in double with plain loops in a fixed order, so a gradient is the same bits on every machine.
/// </summary>
/// <remarks>
/// The non-convex model of the attack experiments: unlike softmax regression, whose predictions ignore a shift common
/// to every class's weights, a hidden layer turns a small coordinated bias (A Little Is Enough) into changed features.
/// Weights start He-uniform, U(-sqrt(6 / inputs), sqrt(6 / inputs)), biases at zero.
/// </remarks>
public sealed class MlpModel : IClassifier
{
    private readonly int[] _sizes;
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;

    /// <param name="hidden">Width of each hidden layer, input side first; empty gives softmax regression.</param>
    public MlpModel(int features, IReadOnlyList<int> hidden, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentNullException.ThrowIfNull(hidden);
        foreach (var width in hidden)
        {
            if (width <= 0)
                throw new ArgumentOutOfRangeException(nameof(hidden), width, "every hidden layer needs at least one unit");
        }
        _sizes = [features, .. hidden, classes];
        _weightOffsets = new int[_sizes.Length - 1];
        _biasOffsets = new int[_sizes.Length - 1];
        var offset = 0L;
        for (var l = 0; l < _sizes.Length - 1; l++)
        {
            _weightOffsets[l] = checked((int)offset);
            offset += (long)_sizes[l + 1] * _sizes[l];
            _biasOffsets[l] = checked((int)offset);
            offset += _sizes[l + 1];
        }
        ParameterCount = checked((int)offset);
    }

    public int Features => _sizes[0];

    public int Classes => _sizes[^1];

    public IReadOnlyList<int> Hidden => _sizes[1..^1];

    public int ParameterCount { get; }

    private int Layers => _sizes.Length - 1;

    /// <summary>Activations of every layer, inputs included, laid end to end.</summary>
    private int ActivationCount => _sizes.Sum();

    public void Initialize(Span<float> parameters, Random random)
    {
        CheckParameters(parameters);
        parameters.Clear();
        for (var l = 0; l < Layers; l++)
        {
            var limit = Math.Sqrt(6.0 / _sizes[l]);
            var weights = parameters.Slice(_weightOffsets[l], _sizes[l + 1] * _sizes[l]);
            for (var k = 0; k < weights.Length; k++)
                weights[k] = (float)((2 * random.NextDouble() - 1) * limit);
        }
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        CheckArguments(parameters, data, batch);
        ModelArguments.CheckGradient(this, gradient);
        var activations = ActivationCount;
        var rented = ArrayPool<double>.Shared.Rent(ParameterCount + 3 * activations);
        try
        {
            var sum = rented.AsSpan(0, ParameterCount);
            var a = rented.AsSpan(ParameterCount, activations);
            var delta = rented.AsSpan(ParameterCount + activations, activations);
            var back = rented.AsSpan(ParameterCount + 2 * activations, activations);
            sum.Clear();
            var loss = 0.0;
            foreach (var i in batch)
            {
                var label = data.Label(i);
                Forward(parameters, data.Row(i), a);
                var output = Slice(a, Layers);
                var logSumExp = LogSumExp(output);
                loss += logSumExp - output[label];

                var outputDelta = Slice(delta, Layers);
                for (var c = 0; c < outputDelta.Length; c++)
                    outputDelta[c] = Math.Exp(output[c] - logSumExp) - (c == label ? 1.0 : 0.0);
                for (var l = Layers - 1; l >= 0; l--)
                {
                    var input = Slice(a, l);
                    var d = Slice(delta, l + 1);
                    var inputs = _sizes[l];
                    for (var o = 0; o < d.Length; o++)
                    {
                        var row = sum.Slice(_weightOffsets[l] + o * inputs, inputs);
                        var scale = d[o];
                        if (scale == 0)
                            continue;
                        for (var j = 0; j < inputs; j++)
                            row[j] += scale * input[j];
                        sum[_biasOffsets[l] + o] += scale;
                    }
                    if (l == 0)
                        break;
                    // W_l^T d, then the ReLU gate: a hidden activation is positive exactly where its pre-activation was.
                    var previous = Slice(back, l);
                    previous.Clear();
                    for (var o = 0; o < d.Length; o++)
                    {
                        var scale = d[o];
                        if (scale == 0)
                            continue;
                        var weights = parameters.Slice(_weightOffsets[l] + o * inputs, inputs);
                        for (var j = 0; j < inputs; j++)
                            previous[j] += scale * weights[j];
                    }
                    var gated = Slice(delta, l);
                    for (var j = 0; j < inputs; j++)
                        gated[j] = input[j] > 0 ? previous[j] : 0;
                }
            }
            var mean = 1.0 / batch.Length;
            for (var k = 0; k < sum.Length; k++)
                gradient[k] = (float)(sum[k] * mean);
            return loss * mean;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch)
    {
        CheckArguments(parameters, data, batch);
        var a = new double[ActivationCount];
        var loss = 0.0;
        foreach (var i in batch)
        {
            Forward(parameters, data.Row(i), a);
            var output = Slice(a, Layers);
            loss += LogSumExp(output) - output[data.Label(i)];
        }
        return loss / batch.Length;
    }

    /// <summary>The class with the largest logit; ties go to the lowest class id.</summary>
    public int Predict(ReadOnlySpan<float> parameters, Dataset data, int row)
    {
        CheckArguments(parameters, data, [row]);
        var a = new double[ActivationCount];
        Forward(parameters, data.Row(row), a);
        var output = Slice(a, Layers);
        var best = 0;
        for (var c = 1; c < output.Length; c++)
        {
            if (output[c] > output[best])
                best = c;
        }
        return best;
    }

    /// <summary>Fills every layer's activations (the last one: logits, before the softmax).</summary>
    private void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Span<double> a)
    {
        var first = Slice(a, 0);
        for (var j = 0; j < x.Length; j++)
            first[j] = x[j];
        for (var l = 0; l < Layers; l++)
        {
            var input = Slice(a, l);
            var output = Slice(a, l + 1);
            var inputs = _sizes[l];
            for (var o = 0; o < output.Length; o++)
            {
                var weights = parameters.Slice(_weightOffsets[l] + o * inputs, inputs);
                double z = parameters[_biasOffsets[l] + o];
                for (var j = 0; j < inputs; j++)
                    z += weights[j] * input[j];
                output[o] = l < Layers - 1 ? Math.Max(z, 0) : z;
            }
        }
    }

    /// <summary>Layer <paramref name="layer"/>'s part of a buffer laid out like the activations.</summary>
    private Span<double> Slice(Span<double> buffer, int layer)
    {
        var start = 0;
        for (var l = 0; l < layer; l++)
            start += _sizes[l];
        return buffer.Slice(start, _sizes[layer]);
    }

    private static double LogSumExp(ReadOnlySpan<double> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var z in logits)
            max = Math.Max(max, z);
        var sum = 0.0;
        foreach (var z in logits)
            sum += Math.Exp(z - max);
        return max + Math.Log(sum);
    }

    private void CheckParameters(ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
    }

    private void CheckArguments(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch)
    {
        ModelArguments.Check(this, Features, parameters, data, batch);
        if (data.ClassCount != Classes)
            throw new ArgumentException($"The model has {Classes} classes, the dataset {data.ClassCount}.", nameof(data));
    }
}
