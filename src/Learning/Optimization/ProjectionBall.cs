namespace FedActors.Learning;

/// <summary>
/// The ball ||theta - center|| &lt;= radius an optimizer projects its parameters onto after every update (ByzantineSGD's
/// projected step onto ||x - x_1|| &lt;= D).
/// </summary>
public sealed class ProjectionBall
{
    private readonly float[] _center;

    private ProjectionBall(float[] center, double radius)
    {
        _center = center;
        Radius = radius;
    }

    public double Radius { get; }

    /// <summary>The ball around a copy of <paramref name="center"/>, or null when the center is empty (no projection).</summary>
    public static ProjectionBall? Create(int parameterCount, ReadOnlySpan<float> center, double radius)
    {
        if (center.IsEmpty)
            return null;
        if (center.Length != parameterCount)
            throw new ArgumentException($"The ball's center has {center.Length} values, expected {parameterCount}.", nameof(center));
        OptimizerArguments.Positive(radius, nameof(radius));
        return new ProjectionBall(center.ToArray(), radius);
    }

    /// <summary>theta = center + radius (theta - center) / ||theta - center|| when theta lies outside the ball.</summary>
    public void Project(Span<float> parameters)
    {
        var center = _center;
        var radius = Radius;
        double squared = 0;
        for (var j = 0; j < parameters.Length; j++)
        {
            var offset = parameters[j] - (double)center[j];
            squared += offset * offset;
        }
        var distance = Math.Sqrt(squared);
        if (distance <= radius)
            return;
        var shrink = radius / distance;
        for (var j = 0; j < parameters.Length; j++)
            parameters[j] = (float)(center[j] + shrink * (parameters[j] - (double)center[j]));
    }
}
