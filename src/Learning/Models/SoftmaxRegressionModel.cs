using System.Buffers;

namespace FedActors.Learning;

/// <summary>
/// Multinomial logistic regression. Parameters: W (classes x features, row-major) followed by b (classes).
/// Logits z = W x + b; loss_i = logsumexp(z) - z_{y_i} (cross-entropy of softmax(z)), with the max subtracted
/// before exponentiating. Gradient of the batch mean: mean_i (p_i - e_{y_i}) x_i^T for W and mean_i (p_i - e_{y_i})
/// for b, where p_i = softmax(z_i). Initialised to zero, where the loss is ln(classes). Computed in double.
/// </summary>
public sealed class SoftmaxRegressionModel : IClassifier
{
    private readonly int _features;
    private readonly int _classes;

    public SoftmaxRegressionModel(int features, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        _features = features;
        _classes = classes;
    }

    public int Features => _features;

    public int Classes => _classes;

    public int ParameterCount => _classes * _features + _classes;

    public void Initialize(Span<float> parameters, Random random)
    {
        if (parameters.Length != ParameterCount)
        {
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        }
        parameters.Clear();
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch,
        Span<float> gradient)
    {
        CheckArguments(parameters, data, batch);
        ModelArguments.CheckGradient(this, gradient);

        int biasOffset = _classes * _features;
        double[] rented = ArrayPool<double>.Shared.Rent(ParameterCount + _classes);
        try
        {
            Span<double> sum = rented.AsSpan(0, ParameterCount);
            Span<double> logits = rented.AsSpan(ParameterCount, _classes);
            sum.Clear();
            double loss = 0;
            foreach (int i in batch)
            {
                ReadOnlySpan<float> x = data.Row(i);
                int label = data.Label(i);
                Logits(parameters, x, logits);
                double logSumExp = LogSumExp(logits);
                loss += logSumExp - logits[label];
                for (int c = 0; c < _classes; c++)
                {
                    double dz = Math.Exp(logits[c] - logSumExp) - (c == label ? 1.0 : 0.0);
                    Span<double> row = sum.Slice(c * _features, _features);
                    for (int j = 0; j < _features; j++)
                    {
                        row[j] += dz * x[j];
                    }
                    sum[biasOffset + c] += dz;
                }
            }

            double scale = 1.0 / batch.Length;
            for (int k = 0; k < sum.Length; k++)
            {
                gradient[k] = (float)(sum[k] * scale);
            }
            return loss * scale;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch)
    {
        CheckArguments(parameters, data, batch);
        Span<double> logits = _classes <= 256 ? stackalloc double[_classes] : new double[_classes];
        double loss = 0;
        foreach (int i in batch)
        {
            Logits(parameters, data.Row(i), logits);
            loss += LogSumExp(logits) - logits[data.Label(i)];
        }
        return loss / batch.Length;
    }

    /// <summary>The class with the largest logit; ties go to the lowest class id.</summary>
    public int Predict(ReadOnlySpan<float> parameters, Dataset data, int row)
    {
        CheckArguments(parameters, data, [row]);
        Span<double> logits = _classes <= 256 ? stackalloc double[_classes] : new double[_classes];
        Logits(parameters, data.Row(row), logits);
        int best = 0;
        for (int c = 1; c < _classes; c++)
        {
            if (logits[c] > logits[best])
            {
                best = c;
            }
        }
        return best;
    }

    private void CheckArguments(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch)
    {
        ModelArguments.Check(this, _features, parameters, data, batch);
        if (data.ClassCount != _classes)
        {
            throw new ArgumentException(
                $"The model has {_classes} classes, the dataset {data.ClassCount}.", nameof(data));
        }
    }

    private void Logits(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Span<double> logits)
    {
        int biasOffset = _classes * _features;
        for (int c = 0; c < _classes; c++)
        {
            ReadOnlySpan<float> weights = parameters.Slice(c * _features, _features);
            double z = parameters[biasOffset + c];
            for (int j = 0; j < _features; j++)
            {
                z += (double)weights[j] * x[j];
            }
            logits[c] = z;
        }
    }

    private static double LogSumExp(ReadOnlySpan<double> logits)
    {
        double max = double.NegativeInfinity;
        foreach (double z in logits)
        {
            max = Math.Max(max, z);
        }
        double sum = 0;
        foreach (double z in logits)
        {
            sum += Math.Exp(z - max);
        }
        return max + Math.Log(sum);
    }
}
