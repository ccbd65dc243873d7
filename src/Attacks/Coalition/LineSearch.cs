namespace FedActors.Attacks;

/// <summary>
/// Maximises a scalar function of one parameter on [low, high] that need not be smooth or unimodal (an aggregate's
/// response to a forged vector is piecewise: rows cross a median or a Krum score): a uniform grid of
/// <see cref="GridPoints"/> values, plus an optional extra candidate, then <see cref="RefineSteps"/> golden-section
/// steps on the two grid cells around the best point. The best value evaluated anywhere wins; ties keep the earlier
/// candidate (grid order, lowest parameter first, then the extra), so the result is deterministic.
/// </summary>
public sealed record LineSearch
{
    public const int DefaultGridPoints = 11;
    public const int DefaultRefineSteps = 12;

    private static readonly double InverseGolden = (Math.Sqrt(5) - 1) / 2;

    public LineSearch(int gridPoints = DefaultGridPoints, int refineSteps = DefaultRefineSteps)
    {
        if (gridPoints < 2)
            throw new ArgumentOutOfRangeException(nameof(gridPoints), gridPoints, "a line search needs at least 2 grid points");
        ArgumentOutOfRangeException.ThrowIfNegative(refineSteps);
        GridPoints = gridPoints;
        RefineSteps = refineSteps;
    }

    public int GridPoints { get; }

    public int RefineSteps { get; }

    /// <summary>Evaluations made by <see cref="Maximize"/>: the grid, the extra candidate, and 2 + steps of refinement.</summary>
    public int Evaluations(bool extra) => GridPoints + (extra ? 1 : 0) + (RefineSteps > 0 ? RefineSteps + 2 : 0);

    public (double Argument, double Value) Maximize(Func<double, double> objective, double low, double high, double? extra = null)
    {
        if (!(double.IsFinite(low) && double.IsFinite(high) && low <= high))
            throw new ArgumentOutOfRangeException(nameof(high), high, $"search interval [{low}, {high}] is not a finite interval");
        var step = (high - low) / (GridPoints - 1);
        // NaN counts as the worst value, so a failed evaluation can never win.
        var best = (Argument: low, Value: Value(low));
        for (var i = 1; i < GridPoints; i++)
            Evaluate(i == GridPoints - 1 ? high : low + i * step);
        if (extra is { } candidate)
            Evaluate(candidate);
        if (RefineSteps == 0 || step == 0)
            return best;

        var a = Math.Max(low, best.Argument - step);
        var b = Math.Min(high, best.Argument + step);
        var c = b - InverseGolden * (b - a);
        var d = a + InverseGolden * (b - a);
        var fc = Evaluate(c);
        var fd = Evaluate(d);
        for (var s = 0; s < RefineSteps; s++)
        {
            if (fc >= fd)
            {
                b = d;
                d = c;
                fd = fc;
                c = b - InverseGolden * (b - a);
                fc = Evaluate(c);
            }
            else
            {
                a = c;
                c = d;
                fc = fd;
                d = a + InverseGolden * (b - a);
                fd = Evaluate(d);
            }
        }
        return best;

        double Evaluate(double x)
        {
            var value = Value(x);
            if (value > best.Value)
                best = (x, value);
            return value;
        }

        double Value(double x)
        {
            var value = objective(x);
            return double.IsNaN(value) ? double.NegativeInfinity : value;
        }
    }
}
