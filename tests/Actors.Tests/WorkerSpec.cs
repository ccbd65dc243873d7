using Akka.Actor;
using Akka.TestKit.Xunit2;
using FedActors.Attacks;
using FedActors.Learning;
using Xunit;

namespace FedActors.Actors.Tests;

public sealed class WorkerSpec : TestKit
{
    private const ulong TrainingSeed = 99;
    private static readonly LinearRegressionData Data = SyntheticData.LinearRegression(5, 200, 0, 1.0, 1.0, seed: 3);
    private static readonly int[] Shard = Enumerable.Range(40, 50).ToArray();

    private static WorkerSetup Setup(ILocalAttack? attack = null) =>
        new(WorkerId: 4, new LinearRegressionModel(5), Data.Train, Shard, BatchSize: 8, TrainingSeed,
            attack is null ? null : new ByzantineBehaviour.Local(attack));

    /// <summary>What worker 4 must compute in a round, derived here from the documented stream, not from the actor.</summary>
    private static (float[] Gradient, double Loss) Expected(float[] model, int round)
    {
        var sampler = new MiniBatchSampler(Shard, 8);
        var batch = sampler.Next(DeterministicRandom.ForStream(TrainingSeed, RandomStreams.MiniBatch, 4, (ulong)round));
        var gradient = new float[5];
        var loss = new LinearRegressionModel(5).LossAndGradient(model, Data.Train, batch, gradient);
        return (gradient, loss);
    }

    [Fact]
    public void An_honest_worker_reports_the_gradient_of_its_round_batch()
    {
        var worker = Sys.ActorOf(WorkerActor.Props(Setup()));
        float[] model = [0.1f, -0.2f, 0.3f, 0f, 1f];

        worker.Tell(new RoundStarted(3, model), TestActor);

        var report = ExpectMsg<GradientReady>();
        var (gradient, loss) = Expected(model, 3);
        Assert.Equal((3, 4), (report.Round, report.WorkerId));
        Assert.Equal(gradient, report.Gradient);
        Assert.Equal(loss, report.BatchLoss);
    }

    [Fact]
    public void Different_rounds_draw_different_batches()
    {
        var worker = Sys.ActorOf(WorkerActor.Props(Setup()));
        float[] model = [0.1f, -0.2f, 0.3f, 0f, 1f];

        worker.Tell(new RoundStarted(1, model), TestActor);
        var first = ExpectMsg<GradientReady>().Gradient.ToArray();
        worker.Tell(new RoundStarted(2, model), TestActor);
        var second = ExpectMsg<GradientReady>().Gradient.ToArray();

        Assert.NotEqual(first, second);
        Assert.Equal(Expected(model, 2).Gradient, second);
    }

    [Fact]
    public void A_byzantine_worker_reports_what_its_attack_forges_from_its_honest_gradient()
    {
        var worker = Sys.ActorOf(ByzantineWorkerActor.Props(Setup(new SignFlipAttack(10))));
        float[] model = [0.1f, -0.2f, 0.3f, 0f, 1f];

        worker.Tell(new RoundStarted(2, model), TestActor);

        var report = ExpectMsg<GradientReady>();
        var (gradient, loss) = Expected(model, 2);
        Assert.Equal(gradient.Select(g => -10f * g), report.Gradient);
        Assert.Equal(loss, report.BatchLoss);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Additive_noise_is_redrawn_each_round_unless_fixed(bool drawsOnce)
    {
        var worker = Sys.ActorOf(ByzantineWorkerActor.Props(Setup(new AdditiveNoiseAttack(sigma: 2, drawsOnce))));
        float[] model = [0.1f, -0.2f, 0.3f, 0f, 1f];

        var noise = new List<float[]>();
        foreach (var round in new[] { 2, 3 })
        {
            worker.Tell(new RoundStarted(round, model), TestActor);
            var report = ExpectMsg<GradientReady>();
            var gradient = Expected(model, round).Gradient;
            // The noise the documented stream gives: round 0's for a fixed draw, the round's own otherwise.
            var stream = DeterministicRandom.ForStream(TrainingSeed, RandomStreams.Attack, 4, drawsOnce ? 0UL : (ulong)round);
            Assert.Equal(gradient.Select(g => (float)(g + 2 * stream.NextGaussian())), report.Gradient);
            noise.Add(report.Gradient.Zip(gradient, (r, g) => r - g).ToArray());
        }

        // Exact equality would depend on rounding g + n at two different g.
        var largestChange = noise[0].Zip(noise[1], (first, second) => Math.Abs(first - second)).Max();
        Assert.Equal(drawsOnce, largestChange < 1e-4f);
    }

    [Fact]
    public void A_worker_that_throws_is_restarted_by_its_group_and_answers_the_next_round()
    {
        var model = new FailingOnceModel(new LinearRegressionModel(5), failingRound: 1);
        var setup = Setup() with { Model = model };
        var group = Sys.ActorOf(WorkerGroupActor.Props([setup]));
        group.Tell(WorkerGroupActor.WorkersRequested.Instance);
        var worker = ExpectMsg<WorkerGroupActor.WorkersCreated>().Workers.Single();
        float[] parameters = [0.1f, -0.2f, 0.3f, 0f, 1f];

        model.Round = 1;
        worker.Tell(new RoundStarted(1, parameters), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        model.Round = 2;
        worker.Tell(new RoundStarted(2, parameters), TestActor);
        var report = ExpectMsg<GradientReady>();
        Assert.Equal(2, report.Round);
        Assert.Equal(Expected(parameters, 2).Gradient, report.Gradient);
    }

    /// <summary>A model that throws in one round, standing in for a bug or a fault inside a worker.</summary>
    private sealed class FailingOnceModel(IModel inner, int failingRound) : IModel
    {
        public volatile int Round;
        public int ParameterCount => inner.ParameterCount;
        public void Initialize(Span<float> parameters, Random random) => inner.Initialize(parameters, random);
        public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch) => inner.Loss(parameters, data, batch);

        public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient) =>
            Round == failingRound
                ? throw new InvalidOperationException("simulated fault")
                : inner.LossAndGradient(parameters, data, batch, gradient);
    }
}
