namespace FedActors.Aggregation;

/// <summary>
/// Stopping rule and smoothing of the Weiszfeld iteration shared by <see cref="GeometricMedianRule"/>,
/// <see cref="GeometricMedianOfMeansRule"/> and <see cref="BgmdRule"/>.
/// </summary>
/// <param name="Tolerance">Stop when |F_prev - F| &lt;= Tolerance * F for the objective F(z) = sum_i ||z - x_i||.</param>
/// <param name="MaxIterations">Cap on Weiszfeld steps (one sweep over the matrix each); on hitting it the current
/// iterate is returned and the report says Converged = false.</param>
/// <param name="Smoothing">nu as a fraction of the mean distance from the starting point to the rows: a row closer than
/// nu to the iterate gets weight 1/nu instead of 1/||z - x_i||. Relative, so that scaling all rows scales the result
/// and nothing else (gradients range from 1e-6 to 1e3 in norm; no absolute nu suits all of them).</param>
public sealed record WeiszfeldOptions(double Tolerance = 1e-6, int MaxIterations = 1000, double Smoothing = 1e-8)
{
    /// <summary>
    /// 1000: Weiszfeld converges linearly when the median is not a data point (tens of steps to 1e-6 on gradient-like
    /// data) and the Vardi-Zhang step handles the median sitting on a data point, so the cap is only reached on
    /// near-degenerate inputs (points almost on a line); it bounds such a round at 1000 sweeps instead of hanging.
    /// </summary>
    public const int DefaultMaxIterations = 1000;

    /// <summary>Reads "tolerance", "max-iterations" and "smoothing" (defaults as in the record).</summary>
    public static WeiszfeldOptions Read(RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var options = new WeiszfeldOptions(
            parameters.Double("tolerance", 1e-6, min: 0, max: 1),
            parameters.Int("max-iterations", DefaultMaxIterations, min: 1),
            parameters.Double("smoothing", 1e-8, min: 0, max: 1));
        if (options.Tolerance <= 0 || options.Tolerance >= 1)
            throw new ArgumentException($"parameter 'tolerance': {options.Tolerance} is outside (0, 1)", "tolerance");
        if (options.Smoothing >= 1)
            throw new ArgumentException($"parameter 'smoothing': {options.Smoothing} is outside [0, 1)", "smoothing");
        return options;
    }

    /// <summary>Throws naming the bad field (for the plain constructors).</summary>
    public void Validate()
    {
        if (!(Tolerance > 0 && Tolerance < 1))
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "tolerance must be in (0, 1)");
        if (MaxIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "max-iterations must be >= 1");
        if (!(Smoothing >= 0 && Smoothing < 1))
            throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "smoothing must be in [0, 1)");
    }
}
