using System.Buffers;

namespace FedActors.Learning;

/// <summary>
/// Least-squares linear regression without bias, the loss of Chen, Su and Xu (GMoM):
/// loss_i = (y_i - &lt;x_i, theta&gt;)^2 / 2, gradient of the batch mean = mean_i (&lt;x_i, theta&gt; - y_i) x_i.
/// Parameters are theta; initialised to zero. Sums are accumulated in double.
/// </summary>
public sealed class LinearRegressionModel : IModel
{
    private readonly int _dimension;

    public LinearRegressionModel(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        _dimension = dimension;
    }

    public int ParameterCount => _dimension;

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
        ModelArguments.Check(this, _dimension, parameters, data, batch);
        ModelArguments.CheckGradient(this, gradient);

        double[] rented = ArrayPool<double>.Shared.Rent(_dimension);
        try
        {
            Span<double> sum = rented.AsSpan(0, _dimension);
            sum.Clear();
            double loss = 0;
            foreach (int i in batch)
            {
                ReadOnlySpan<float> x = data.Row(i);
                double residual = Dot(x, parameters) - data.Targets[i];
                loss += 0.5 * residual * residual;
                for (int j = 0; j < x.Length; j++)
                {
                    sum[j] += residual * x[j];
                }
            }

            double scale = 1.0 / batch.Length;
            for (int j = 0; j < _dimension; j++)
            {
                gradient[j] = (float)(sum[j] * scale);
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
        ModelArguments.Check(this, _dimension, parameters, data, batch);
        double loss = 0;
        foreach (int i in batch)
        {
            double residual = Dot(data.Row(i), parameters) - data.Targets[i];
            loss += 0.5 * residual * residual;
        }
        return loss / batch.Length;
    }

    private static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> theta)
    {
        double dot = 0;
        for (int j = 0; j < x.Length; j++)
        {
            dot += (double)x[j] * theta[j];
        }
        return dot;
    }
}
