namespace FedActors.Learning;

/// <summary>Whole-dataset metrics of a model at given parameters.</summary>
public static class Evaluation
{
    /// <summary>Fraction of rows whose prediction equals the label, over all rows of <paramref name="data"/>.</summary>
    public static double Accuracy(IClassifier model, ReadOnlySpan<float> parameters, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("Accuracy over an empty dataset is undefined.", nameof(data));
        }
        var rows = new int[data.Count];
        for (var i = 0; i < rows.Length; i++)
            rows[i] = i;
        var predictions = new int[data.Count];
        model.Predict(parameters, data, rows, predictions);
        var correct = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            if (predictions[i] == data.Label(i))
                correct++;
        }
        return (double)correct / data.Count;
    }

    /// <summary>Mean loss over all rows of <paramref name="data"/>.</summary>
    public static double MeanLoss(IModel model, ReadOnlySpan<float> parameters, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var all = new int[data.Count];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = i;
        }
        return model.Loss(parameters, data, all);
    }
}
