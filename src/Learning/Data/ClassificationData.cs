namespace FedActors.Learning;

/// <summary>A classification task split into train and test sets with the same classes and features.</summary>
public sealed record ClassificationData(Dataset Train, Dataset Test);
