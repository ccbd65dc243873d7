using Xunit;

namespace FedActors.Learning.Tests;

public class AdamOptimizerTests
{
    [Fact]
    public void Two_steps_with_weight_decay_match_a_hand_computation()
    {
        // lr 0.1, beta1 0.9, beta2 0.999, epsilon 1e-8, weight decay 0.01, theta0 = (1, -2).
        // Step 1, g = (0.5, 0.25): g' = (0.51, 0.23), m = 0.1 g' = (0.051, 0.023), v = 0.001 g'^2; the bias corrections
        // make m_hat = g' and sqrt(v_hat) = |g'|, so theta moves by lr against the sign: (0.9, -2.1).
        // Step 2, g = (-1, 2): g' = (-0.991, 1.979), m = (-0.0532, 0.2186), v = (0.00124192..., 0.00396929...),
        // theta = theta - 0.1 / 0.19 * m / (sqrt(v) / sqrt(0.001999) + 1e-8) = (0.93552364, -2.1816482) (NumPy, double).
        var optimizer = new AdamOptimizer(2, learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01);
        float[] theta = [1f, -2f];

        optimizer.Step(theta, [0.5f, 0.25f]);
        Assert.Equal(0.9, theta[0], 6);
        Assert.Equal(-2.1, theta[1], 6);
        Assert.Equal(0.051, optimizer.FirstMoment[0], 6);
        Assert.Equal(5.29e-5, optimizer.SecondMoment[1], 9);

        optimizer.Step(theta, [-1f, 2f]);
        Assert.Equal(-0.0532, optimizer.FirstMoment[0], 6);
        Assert.Equal(0.2186, optimizer.FirstMoment[1], 6);
        Assert.Equal(0.93552364, theta[0], 6);
        Assert.Equal(-2.1816482, theta[1], 6);
        Assert.Equal(2, optimizer.Steps);
    }

    [Fact]
    public void A_small_constant_gradient_moves_each_coordinate_by_the_learning_rate_per_step_where_sgd_barely_moves()
    {
        // The property that matters for robust rules: a constant bias of 1e-4 on a coordinate is, to Adam, a full-size
        // signal (m / sqrt(v) = sign(b) at every step once bias-corrected), while SGD moves by lr * b.
        var adam = new AdamOptimizer(2, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0);
        var sgd = new SgdOptimizer(2, learningRate: 0.01, momentum: 0, weightDecay: 0);
        float[] thetaAdam = [0f, 0f];
        float[] thetaSgd = [0f, 0f];
        for (var t = 0; t < 50; t++)
        {
            adam.Step(thetaAdam, [1e-4f, -1e-4f]);
            sgd.Step(thetaSgd, [1e-4f, -1e-4f]);
        }
        // 50 steps of lr * 1e-4 / (1e-4 + 1e-8) each.
        Assert.Equal(-0.49995, thetaAdam[0], 1e-6);
        Assert.Equal(0.49995, thetaAdam[1], 1e-6);
        Assert.Equal(-5e-5, thetaSgd[0], 8);
    }

    [Fact]
    public void Epsilon_is_added_after_the_second_moment_is_bias_corrected()
    {
        // g = epsilon: PyTorch's step is lr * g / (|g| + eps) = lr / 2. Adding eps to sqrt(v) before dividing by
        // sqrt(1 - beta2) would move it by about lr / 32.6.
        var optimizer = new AdamOptimizer(1, learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0);
        float[] theta = [0f];
        optimizer.Step(theta, [1e-6f]);
        Assert.Equal(-0.05, theta[0], 1e-7);
    }

    [Fact]
    public void The_schedule_gives_the_first_update_its_first_rate()
    {
        // Halved after every step: the first update moves by lr, the second by lr / 2 (both a unit sign step here).
        var optimizer = new AdamOptimizer(1, 0.1, 0.9, 0.999, 1e-12, 0, new LearningRateSchedule.StepDecay(0.1, 0.5, 1));
        float[] theta = [0f];
        optimizer.Step(theta, [1f]);
        Assert.Equal(-0.1, theta[0], 1e-7);
        optimizer.Step(theta, [1f]);
        Assert.Equal(-0.15, theta[0], 1e-7);
    }

    [Fact]
    public void Scaling_every_gradient_by_a_constant_leaves_the_trajectory_unchanged_up_to_epsilon()
    {
        float[][] gradients = [[0.3f, -0.1f, 2f], [1f, 0.5f, -0.5f], [-0.2f, 0.2f, 0.7f]];
        float[] Run(float scale)
        {
            var optimizer = new AdamOptimizer(3, 0.05, 0.9, 0.999, 1e-12, 0);
            float[] theta = [0.1f, 0.2f, 0.3f];
            foreach (var g in gradients)
                optimizer.Step(theta, g.Select(x => x * scale).ToArray());
            return theta;
        }
        var unit = Run(1);
        var scaled = Run(1000);
        for (var j = 0; j < 3; j++)
            Assert.Equal(unit[j], scaled[j], 5);
    }

    [Fact]
    public void Saving_and_loading_the_state_resumes_the_same_trajectory_bit_for_bit()
    {
        float[][] gradients = [[0.3f, -0.1f, 2f], [1f, 0.5f, -0.5f], [-0.2f, 0.2f, 0.7f], [0.4f, 0f, -1f]];
        var schedule = new LearningRateSchedule.StepDecay(0.05, 0.5, 2);
        var uninterrupted = new AdamOptimizer(3, 0.05, 0.8, 0.99, 1e-8, 0.001, schedule);
        float[] thetaA = [0.1f, 0.2f, 0.3f];
        foreach (var g in gradients)
            uninterrupted.Step(thetaA, g);

        var before = new AdamOptimizer(3, 0.05, 0.8, 0.99, 1e-8, 0.001, schedule);
        float[] thetaB = [0.1f, 0.2f, 0.3f];
        before.Step(thetaB, gradients[0]);
        before.Step(thetaB, gradients[1]);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            before.SaveState(writer);
        stream.Position = 0;
        var after = new AdamOptimizer(3, 0.05, 0.8, 0.99, 1e-8, 0.001, schedule);
        using (var reader = new BinaryReader(stream))
            after.LoadState(reader);
        after.Step(thetaB, gradients[2]);
        after.Step(thetaB, gradients[3]);

        Assert.Equal(thetaA, thetaB);
        Assert.Equal(uninterrupted.SecondMoment, after.SecondMoment);
    }

    [Fact]
    public void A_state_saved_for_another_size_is_refused()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            new AdamOptimizer(3, 0.1, 0.9, 0.999, 1e-8, 0).SaveState(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var error = Assert.Throws<InvalidDataException>(() => new AdamOptimizer(4, 0.1, 0.9, 0.999, 1e-8, 0).LoadState(reader));
        Assert.Contains("3 values", error.Message);
    }

    [Fact]
    public void The_projection_keeps_the_parameters_in_the_ball()
    {
        var optimizer = new AdamOptimizer(2, 1.0, 0.9, 0.999, 1e-8, 0, ballCenter: [0f, 0f], ballRadius: 0.5);
        float[] theta = [0f, 0f];
        optimizer.Step(theta, [-3f, -4f]);
        // Unprojected the first step is (1, 1), at distance sqrt(2); projected onto radius 0.5 along it.
        Assert.Equal(0.5 / Math.Sqrt(2), theta[0], 6);
        Assert.Equal(0.5 / Math.Sqrt(2), theta[1], 6);
    }

    [Theory]
    [InlineData(0.0, 0.9, 0.999, 1e-8, 0.0, "learningRate")]
    [InlineData(0.1, 1.0, 0.999, 1e-8, 0.0, "beta1")]
    [InlineData(0.1, 0.9, -0.1, 1e-8, 0.0, "beta2")]
    [InlineData(0.1, 0.9, 0.999, 0.0, 0.0, "epsilon")]
    [InlineData(0.1, 0.9, 0.999, 1e-8, -1.0, "weightDecay")]
    public void Invalid_constants_are_refused_by_name(double rate, double beta1, double beta2, double epsilon, double decay, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer(2, rate, beta1, beta2, epsilon, decay));
        Assert.Equal(name, error.ParamName);
    }
}
