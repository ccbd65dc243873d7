namespace FedActors.Learning;

/// <summary>A model whose output on a row is a class id in 0..ClassCount-1.</summary>
public interface IClassifier : IModel
{
    int Predict(ReadOnlySpan<float> parameters, Dataset data, int row);
}
