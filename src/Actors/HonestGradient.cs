using FedActors.Learning;

namespace FedActors.Actors;

/// <summary>
/// The honest computation every worker does, Byzantine or not: draw the round's mini-batch from the worker's own
/// stream and differentiate the model on it into a buffer the worker reuses across rounds.
/// </summary>
internal sealed class HonestGradient
{
    private readonly WorkerSetup _setup;
    private readonly MiniBatchSampler _sampler;

    public HonestGradient(WorkerSetup setup)
    {
        _setup = setup;
        _sampler = new MiniBatchSampler(setup.Shard, setup.BatchSize);
        Buffer = new float[setup.Model.ParameterCount];
    }

    public float[] Buffer { get; }

    /// <returns>The batch loss at the round's model.</returns>
    public double Compute(RoundStarted round) =>
        _setup.Model.LossAndGradient(round.Model, _setup.Data, Batch(round), Buffer);

    /// <summary>The loss of the round's batch without its gradient: what a worker that trains on other data reports as
    /// its honest loss.</summary>
    public double Loss(RoundStarted round) => _setup.Model.Loss(round.Model, _setup.Data, Batch(round));

    private ReadOnlySpan<int> Batch(RoundStarted round) =>
        _sampler.Next(RandomStreams.For(_setup.TrainingSeed, RandomStreams.MiniBatch, _setup.WorkerId, round.Round));
}
