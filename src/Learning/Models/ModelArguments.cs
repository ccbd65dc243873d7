namespace FedActors.Learning;

/// <summary>Argument checks shared by the models, so every model rejects a mismatched call the same way.</summary>
internal static class ModelArguments
{
    public static void Check(IModel model, int featureCount, ReadOnlySpan<float> parameters, Dataset data,
        ReadOnlySpan<int> batch)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (parameters.Length != model.ParameterCount)
        {
            throw new ArgumentException(
                $"Expected {model.ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        }
        if (data.FeatureCount != featureCount)
        {
            throw new ArgumentException(
                $"The model expects {featureCount} features, the dataset has {data.FeatureCount}.", nameof(data));
        }
        if (batch.IsEmpty)
        {
            throw new ArgumentException("The mean loss of an empty batch is undefined.", nameof(batch));
        }
    }

    /// <summary>A batch prediction writes one class per row.</summary>
    public static void CheckPredictions(ReadOnlySpan<int> rows, Span<int> predictions)
    {
        if (predictions.Length != rows.Length)
            throw new ArgumentException($"{predictions.Length} predictions for {rows.Length} rows", nameof(predictions));
    }

    public static void CheckGradient(IModel model, Span<float> gradient)
    {
        if (gradient.Length != model.ParameterCount)
        {
            throw new ArgumentException(
                $"Expected a gradient of length {model.ParameterCount}, got {gradient.Length}.", nameof(gradient));
        }
    }
}
