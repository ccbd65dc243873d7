using Xunit;

namespace FedActors.Learning.Tests;

public class ScheduleAndPgdTests
{
    [Fact]
    public void Step_decay_multiplies_the_rate_by_the_factor_once_per_epoch()
    {
        var schedule = new LearningRateSchedule.StepDecay(0.1, 0.99, StepsPerEpoch: 10);
        Assert.Equal(0.1, schedule.Rate(0));
        Assert.Equal(0.1, schedule.Rate(9));
        Assert.Equal(0.1 * 0.99, schedule.Rate(10), 15);
        Assert.Equal(0.1 * 0.99 * 0.99 * 0.99, schedule.Rate(35), 15);
    }

    [Fact]
    public void Cosine_goes_from_the_rate_to_the_minimum_through_the_midpoint_and_stays()
    {
        var schedule = new LearningRateSchedule.Cosine(1.0, TotalSteps: 100, Minimum: 0.1);
        Assert.Equal(1.0, schedule.Rate(0), 15);
        Assert.Equal(0.55, schedule.Rate(50), 12);
        Assert.Equal(0.1, schedule.Rate(100), 15);
        Assert.Equal(0.1, schedule.Rate(500), 15);
    }

    [Fact]
    public void Sgd_follows_its_schedule_and_counts_its_steps()
    {
        var optimizer = new SgdOptimizer(1, 1.0, 0, 0, new LearningRateSchedule.StepDecay(1.0, 0.5, StepsPerEpoch: 1), [], 0);
        float[] w = [0f];
        optimizer.Step(w, [1f]);
        optimizer.Step(w, [1f]);
        optimizer.Step(w, [1f]);
        // Rates 1, 0.5, 0.25.
        Assert.Equal(-1.75f, w[0]);
        Assert.Equal(3, optimizer.Steps);
    }

    [Fact]
    public void A_step_that_leaves_the_ball_is_projected_back_onto_its_surface()
    {
        float[] center = [1f, 1f];
        var optimizer = new SgdOptimizer(2, 1.0, 0, 0, schedule: null, center, ballRadius: 5);
        float[] w = [1f, 1f];
        // Step to (1 + 6, 1 + 8): distance 10 from the center, projected to distance 5: (1 + 3, 1 + 4).
        optimizer.Step(w, [-6f, -8f]);
        Assert.Equal([4f, 5f], w);
        // Inside the ball nothing changes.
        optimizer.Step(w, [1f, 1f]);
        Assert.Equal([3f, 4f], w);
    }

    [Fact]
    public void Pgd_descends_while_the_aggregate_is_large()
    {
        var pgd = new ByzantinePgdOptimizer(0.5, epsilon: 1, perturbationRadius: 0.1, escapeRadius: 1, attempts: 2, attemptSteps: 3, new DeterministicRandom(1));
        float[] w = [4f, 0f];
        pgd.Step(w, [2f, 0f]);
        Assert.Equal([3f, 0f], w);
        Assert.Equal(ByzantinePgdOptimizer.State.Descending, pgd.Phase);
    }

    [Fact]
    public void Pgd_perturbs_inside_the_ball_at_a_small_aggregate_and_returns_the_anchor_when_no_attempt_escapes()
    {
        var pgd = new ByzantinePgdOptimizer(0.5, epsilon: 1, perturbationRadius: 0.1, escapeRadius: 1, attempts: 2, attemptSteps: 3, new DeterministicRandom(1));
        float[] anchor = [4f, -2f];
        var w = (float[])anchor.Clone();

        pgd.Step(w, [0.5f, 0f]);
        Assert.Equal(ByzantinePgdOptimizer.State.Escaping, pgd.Phase);
        var offset = Math.Sqrt(Math.Pow(w[0] - 4.0, 2) + Math.Pow(w[1] + 2.0, 2));
        Assert.InRange(offset, 1e-9, 0.1);

        // A zero aggregate never moves the iterate: each attempt runs its 3 steps and fails.
        for (var round = 0; round < 6; round++)
            pgd.Step(w, [0f, 0f]);

        Assert.Equal(ByzantinePgdOptimizer.State.Converged, pgd.Phase);
        Assert.Equal(anchor, w);
        Assert.Equal((2, 0), (pgd.AttemptsStarted, pgd.Escapes));
        pgd.Step(w, [5f, 5f]);
        Assert.Equal(anchor, w);
    }

    [Fact]
    public void Pgd_declares_an_escape_when_the_attempt_moves_farther_than_R_and_descends_again()
    {
        var pgd = new ByzantinePgdOptimizer(1.0, epsilon: 0.5, perturbationRadius: 0.01, escapeRadius: 1, attempts: 3, attemptSteps: 10, new DeterministicRandom(2));
        float[] w = [0f];
        pgd.Step(w, [0.1f]);
        Assert.Equal(ByzantinePgdOptimizer.State.Escaping, pgd.Phase);

        pgd.Step(w, [-2f]);

        Assert.Equal(ByzantinePgdOptimizer.State.Descending, pgd.Phase);
        Assert.Equal((1, 1), (pgd.AttemptsStarted, pgd.Escapes));
        Assert.True(w[0] >= 1.99f);
    }

    [Fact]
    public void Strict_saddle_gradient_matches_finite_differences_and_its_minima_are_at_plus_minus_one()
    {
        var data = StrictSaddleModel.Noise(3, 20, std: 0.5, seed: 4);
        var model = new StrictSaddleModel(3);
        GradientCheck.AssertMatchesFiniteDifferences(model, [0.7f, -0.4f, 1.6f], data, [0, 3, 5, 11], tolerance: 1e-3, step: 1e-3);
        Assert.Equal(-0.25, StrictSaddleModel.Objective([0f, 0f, 1f]), 12);
        Assert.Equal(-0.25, StrictSaddleModel.Objective([0f, 0f, -1f]), 12);
        Assert.Equal(0.0, StrictSaddleModel.Objective([0f, 0f, 0f]), 12);
    }

    [Fact]
    public void Without_noise_gradient_descent_stays_at_the_saddle_and_pgd_escapes_to_a_minimum()
    {
        var data = StrictSaddleModel.Noise(4, 8, std: 0, seed: 1);
        var model = new StrictSaddleModel(4);
        int[] batch = [0, 1, 2, 3];
        var gradient = new float[4];

        var plain = new float[4];
        var sgd = new SgdOptimizer(4, 0.5, 0, 0);
        var pgd = new ByzantinePgdOptimizer(0.5, epsilon: 0.01, perturbationRadius: 0.05, escapeRadius: 0.5, attempts: 3, attemptSteps: 50, new DeterministicRandom(3));
        var perturbed = new float[4];
        for (var round = 0; round < 200; round++)
        {
            model.LossAndGradient(plain, data, batch, gradient);
            sgd.Step(plain, gradient);
            model.LossAndGradient(perturbed, data, batch, gradient);
            pgd.Step(perturbed, gradient);
        }

        Assert.Equal(0.0, StrictSaddleModel.Objective(plain));
        Assert.Equal(-0.25, StrictSaddleModel.Objective(perturbed), 3);
        Assert.True(pgd.Escapes >= 1);
    }
}
