using Xunit;

namespace FedActors.Learning.Tests;

/// <summary>Compares an analytic gradient with central finite differences of the model's own loss.</summary>
internal static class GradientCheck
{
    /// <summary>
    /// The step is large (1e-2) so float-rounded parameters still move by a well-resolved amount; the divisor is the
    /// step actually taken after rounding. For a quadratic loss central differences are then exact up to rounding;
    /// for smooth losses the truncation error is O(step^2). With <paramref name="trainingLoss"/> the differences are
    /// taken of the loss <see cref="IModel.LossAndGradient"/> returns (the network as trained, e.g. with its dropout
    /// mask, which depends on the batch and not on the parameters) instead of <see cref="IModel.Loss"/>.
    /// </summary>
    public static void AssertMatchesFiniteDifferences(IModel model, float[] parameters, Dataset data, int[] batch,
        double tolerance, double step = 1e-2, bool trainingLoss = false)
    {
        var scratch = new float[model.ParameterCount];
        double LossAt(float[] point) =>
            trainingLoss ? model.LossAndGradient(point, data, batch, scratch) : model.Loss(point, data, batch);
        var gradient = new float[model.ParameterCount];
        gradient.AsSpan().Fill(float.NaN);
        model.LossAndGradient(parameters, data, batch, gradient);

        double gradientNorm = Math.Sqrt(gradient.Sum(g => (double)g * g));
        Assert.True(gradientNorm > 0.1, $"gradient norm {gradientNorm} too small for the check to mean anything");

        var perturbed = (float[])parameters.Clone();
        for (int k = 0; k < parameters.Length; k++)
        {
            float plus = (float)(parameters[k] + step);
            float minus = (float)(parameters[k] - step);
            perturbed[k] = plus;
            double lossPlus = LossAt(perturbed);
            perturbed[k] = minus;
            double lossMinus = LossAt(perturbed);
            perturbed[k] = parameters[k];

            double numeric = (lossPlus - lossMinus) / ((double)plus - minus);
            Assert.True(Math.Abs(numeric - gradient[k]) <= tolerance * Math.Max(1.0, Math.Abs(numeric)),
                $"parameter {k}: analytic {gradient[k]:R}, finite difference {numeric:R}");
        }
    }

    public static float[] RandomVector(int length, double scale, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)(scale * random.NextGaussian());
        }
        return values;
    }
}
