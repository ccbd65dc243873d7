namespace FedActors.Learning;

/// <summary>A synthetic linear-regression task: train and test sets drawn from y = &lt;ThetaStar, x&gt; + noise.</summary>
public sealed record LinearRegressionData(Dataset Train, Dataset Test, float[] ThetaStar);
