using System.Numerics.Tensors;
using FedActors.Learning;

namespace FedActors.Actors;

/// <summary>
/// The server side of training, kept outside the coordinator actor so the actor only moves data and drives time:
/// the global parameters, the optimizer that applies aggregates to them, and the measurements of a round.
/// </summary>
public sealed class ModelServer
{
    private readonly IModel _model;
    private readonly IOptimizer _optimizer;
    private readonly float[]? _thetaStar;
    private readonly Dataset? _testSet;

    /// <param name="thetaStar">The true parameters when the task has them (regression): enables param_error.</param>
    /// <param name="testSet">Held-out data for test_accuracy when the model is a classifier.</param>
    public ModelServer(IModel model, float[] initialParameters, IOptimizer optimizer, float[]? thetaStar, Dataset? testSet)
    {
        if (initialParameters.Length != model.ParameterCount)
            throw new ArgumentException(
                $"initial parameters have {initialParameters.Length} values, the model has {model.ParameterCount}", nameof(initialParameters));
        if (thetaStar is not null && thetaStar.Length != model.ParameterCount)
            throw new ArgumentException($"theta* has {thetaStar.Length} values, the model has {model.ParameterCount}", nameof(thetaStar));
        _model = model;
        _optimizer = optimizer;
        _thetaStar = thetaStar;
        _testSet = model is IClassifier ? testSet : null;
        Parameters = initialParameters;
    }

    public int ParameterCount => _model.ParameterCount;

    /// <summary>The optimizer that applies each round's aggregate (its state is part of a checkpoint).</summary>
    public IOptimizer Optimizer => _optimizer;

    /// <summary>The live parameters; only the coordinator writes them, between rounds.</summary>
    public float[] Parameters { get; }

    public bool HasTestAccuracy => _testSet is not null;

    /// <summary>A copy for <see cref="RoundStarted"/>: workers read it while the server may already be updating.</summary>
    public float[] Snapshot() => (float[])Parameters.Clone();

    public void ApplyAggregate(ReadOnlySpan<float> aggregate) => _optimizer.Step(Parameters, aggregate);

    /// <summary>Parameters and optimizer state, for a checkpoint.</summary>
    public void SaveState(BinaryWriter writer)
    {
        writer.Write(Parameters.Length);
        foreach (var value in Parameters)
            writer.Write(value);
        _optimizer.SaveState(writer);
    }

    public void LoadState(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        if (length != Parameters.Length)
            throw new InvalidDataException($"the checkpoint holds {length} parameters, the model has {Parameters.Length}");
        for (var j = 0; j < length; j++)
            Parameters[j] = reader.ReadSingle();
        _optimizer.LoadState(reader);
    }

    /// <summary>||theta - theta*||, or null when the task has no true parameters.</summary>
    public double? ParamError() =>
        _thetaStar is null ? null : TensorPrimitives.Distance<float>(Parameters, _thetaStar);

    public double? TestAccuracy() => TestAccuracy(Parameters);

    /// <summary>Accuracy of any parameter vector on the held-out set; reads only the model and the test set, so an
    /// evaluator may call it while the server trains on.</summary>
    public double? TestAccuracy(float[] parameters) =>
        _testSet is null ? null : Evaluation.Accuracy((IClassifier)_model, parameters, _testSet);
}
