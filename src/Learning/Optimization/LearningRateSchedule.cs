namespace FedActors.Learning;

/// <summary>The step size of update t (0-based); a pure function of t, so a resumed run continues the same schedule.</summary>
public abstract record LearningRateSchedule
{
    public abstract double Rate(long step);

    /// <summary>The same rate for every update.</summary>
    public sealed record Constant(double LearningRate) : LearningRateSchedule
    {
        public override double Rate(long step) => LearningRate;
    }

    /// <summary>
    /// Multiplied by <paramref name="Factor"/> after every epoch: rate = lr * factor^floor(t / stepsPerEpoch). The
    /// block-coordinate GM paper decays by 1% per epoch (factor 0.99); an epoch is one pass of the workers over the
    /// training set, samples / (workers * batch) rounds.
    /// </summary>
    public sealed record StepDecay(double LearningRate, double Factor, long StepsPerEpoch) : LearningRateSchedule
    {
        public override double Rate(long step) => LearningRate * Math.Pow(Factor, step / Math.Max(StepsPerEpoch, 1));
    }

    /// <summary>Cosine annealing from lr to <paramref name="Minimum"/> over <paramref name="TotalSteps"/> updates, then flat.</summary>
    public sealed record Cosine(double LearningRate, long TotalSteps, double Minimum) : LearningRateSchedule
    {
        public override double Rate(long step)
        {
            var progress = Math.Min(step, TotalSteps) / (double)Math.Max(TotalSteps, 1);
            return Minimum + (LearningRate - Minimum) * 0.5 * (1 + Math.Cos(Math.PI * progress));
        }
    }
}
