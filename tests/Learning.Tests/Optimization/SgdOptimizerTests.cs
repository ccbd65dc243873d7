using Xunit;

namespace FedActors.Learning.Tests;

public class SgdOptimizerTests
{
    [Fact]
    public void Two_steps_with_momentum_and_weight_decay_match_a_hand_computation()
    {
        // lr 0.1, momentum 0.9, weight decay 0.01, theta0 = (1, -2).
        // Step 1, g = (0.5, 0.25): g' = (0.51, 0.23), v = g', theta = (0.949, -2.023).
        // Step 2, g = (-1, 2): g' = (-0.99051, 1.97977), v = 0.9 (0.51, 0.23) + g' = (-0.53151, 2.18677),
        // theta = (1.002151, -2.241677).
        var optimizer = new SgdOptimizer(2, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01);
        float[] theta = [1f, -2f];

        optimizer.Step(theta, [0.5f, 0.25f]);
        Assert.Equal(0.949, theta[0], 6);
        Assert.Equal(-2.023, theta[1], 6);
        Assert.Equal(0.51, optimizer.Velocity[0], 6);
        Assert.Equal(0.23, optimizer.Velocity[1], 6);

        optimizer.Step(theta, [-1f, 2f]);
        Assert.Equal(-0.53151, optimizer.Velocity[0], 6);
        Assert.Equal(2.18677, optimizer.Velocity[1], 6);
        Assert.Equal(1.002151, theta[0], 6);
        Assert.Equal(-2.241677, theta[1], 6);
    }

    [Fact]
    public void Without_momentum_and_decay_a_step_is_plain_gradient_descent()
    {
        var optimizer = new SgdOptimizer(2, learningRate: 0.5, momentum: 0, weightDecay: 0);
        float[] theta = [1f, 1f];
        optimizer.Step(theta, [2f, -4f]);
        optimizer.Step(theta, [2f, -4f]);
        Assert.Equal([-1f, 5f], theta);
    }

    [Fact]
    public void Restoring_the_velocity_resumes_the_same_trajectory()
    {
        float[][] gradients = [[0.3f, -0.1f, 2f], [1f, 0.5f, -0.5f], [-0.2f, 0.2f, 0.7f], [0.4f, 0f, -1f]];
        var uninterrupted = new SgdOptimizer(3, 0.05, 0.8, 0.001);
        float[] thetaA = [0.1f, 0.2f, 0.3f];
        foreach (float[] g in gradients)
        {
            uninterrupted.Step(thetaA, g);
        }

        var before = new SgdOptimizer(3, 0.05, 0.8, 0.001);
        float[] thetaB = [0.1f, 0.2f, 0.3f];
        before.Step(thetaB, gradients[0]);
        before.Step(thetaB, gradients[1]);
        var after = new SgdOptimizer(3, 0.05, 0.8, 0.001);
        before.Velocity.CopyTo(after.Velocity, 0);
        after.Step(thetaB, gradients[2]);
        after.Step(thetaB, gradients[3]);

        Assert.Equal(thetaA, thetaB);
        Assert.Equal(uninterrupted.Velocity, after.Velocity);
    }

    [Fact]
    public void Out_of_range_hyperparameters_and_mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer(0, 0.1, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer(2, 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer(2, double.NaN, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer(2, 0.1, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer(2, 0.1, -0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer(2, 0.1, 0, -1));
        var optimizer = new SgdOptimizer(2, 0.1, 0, 0);
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[2], new float[3]));
    }
}
