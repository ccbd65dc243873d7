namespace FedActors.Learning;

/// <summary>A model whose output on a row is a class id in 0..ClassCount-1.</summary>
public interface IClassifier : IModel
{
    int Predict(ReadOnlySpan<float> parameters, Dataset data, int row);

    /// <summary>
    /// predictions[k] = <see cref="Predict(ReadOnlySpan{float}, Dataset, int)"/> of rows[k]. A model whose per-call setup
    /// is costly (the LeNet converts and transposes its 1.16M parameters) does it once here for all the rows.
    /// </summary>
    void Predict(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<int> predictions)
    {
        ModelArguments.CheckPredictions(rows, predictions);
        for (var k = 0; k < rows.Length; k++)
            predictions[k] = Predict(parameters, data, rows[k]);
    }
}
