namespace FedActors.Aggregation;

/// <summary>
/// Robust mean by iterative spectral filtering: while the top eigenvalue of the weighted covariance exceeds a threshold,
/// down-weight rows by their squared projection on the top eigenvector; output = the weighted mean of what remains
/// (the robust gradient decoder of Data and Diggavi, "Byzantine-resilient high-dimensional SGD", after Steinhardt et
/// al. and Diakonikolas et al.'s filter).
/// </summary>
/// <remarks>
/// <para>Parameters (<see cref="Create"/>):</para>
/// <list type="table">
/// <item><term>threshold = auto</term><description>absolute bound on the top eigenvalue (squared gradient units);
/// auto = threshold-factor * sigma^2 * (1 + sqrt(d / n_eff))^2, see below</description></item>
/// <item><term>threshold-factor = 2</term><description>C in the auto threshold (only with threshold = auto)</description></item>
/// <item><term>max-iterations = 100</term><description>cap on down-weighting steps</description></item>
/// </list>
/// <para>The loop (NOTES.md, paper 000): c_i = 1; repeat { mu = sum c_i x_i / sum c_i; (lambda, v) = top eigenpair of
/// Sigma = sum c_i (x_i - mu)(x_i - mu)^T / sum c_i; stop if lambda &lt;= threshold; tau_i = &lt;x_i - mu, v&gt;^2;
/// c_i &lt;- c_i (1 - tau_i / max_k tau_k) }. The row of largest score drops to 0 at every step, so the loop ends.</para>
/// <para>Never a d x d matrix: the Gram matrix G = X X^T is computed once (one pass), and everything else happens on
/// n x n matrices in double. With w = c / sum c: a_i = &lt;x_i, mu&gt; = (G w)_i, s = ||mu||^2 = w^T G w, the centred
/// Gram C = G - a 1^T - 1 a^T + s, and Sigma's non-zero eigenvalues are those of K = W^(1/2) C W^(1/2), W = diag(w).
/// With K u = lambda u (||u|| = 1), v = sum_j sqrt(w_j) u_j (x_j - mu) / sqrt(lambda) and
/// tau_i = (C W^(1/2) u)_i^2 / lambda. The top eigenpair is found by Lanczos, warm-started from the previous step.</para>
/// <para>Precision of the algebraic centring: G's entries carry a relative error of about 1e-16 * log2(d) of
/// ||x_i|| ||x_k|| (float products are exact in double, sums are pairwise), so C_ik is accurate to about
/// 1e-15 max ||x||^2, i.e. relative to the spread ||x - mu||^2 while ||mu|| / spread stays below about 1e5; gradients
/// are far from that. Centring the rows numerically first (in float) would lose more: 6e-8 relative per coordinate.</para>
/// <para>Auto threshold. For n_eff honest rows with covariance sigma^2 I, the top eigenvalue of the sample covariance
/// sits at the Marchenko-Pastur edge sigma^2 (1 + sqrt(d / n_eff))^2 (it is sigma^2 d/n (1 + sqrt(n/d))^2 when
/// d &gt; n). This plays the role of the paper's sigma_0^2 (which scales as sigma^2 (1 + d/R)) with the sharper
/// square-root dependence. sigma^2 is estimated robustly from G at no extra pass: sigma^2 = median_i median_{k != i}
/// ||x_i - x_k||^2 / (2d m_d), since E ||x_i - x_k||^2 = 2 tr(Sigma) for honest pairs, and m_d = (1 - 2/(9d))^3
/// corrects the median of a chi-square with d degrees of freedom to its mean (Wilson-Hilferty); with fewer than n/3
/// corrupted rows both medians are set by honest pairs. n_eff = sum c_i (rows keep weight at most 1). The factor C = 2 leaves room
/// for the edge's finite-n fluctuations and for sigma^2's estimation error, so clean isotropic data is not filtered
/// (tests: at most 5% removed), while an eps-fraction shifted by s along one direction adds about eps (1 - eps) s^2 to
/// lambda and is filtered once that exceeds the margin. The rule assumes roughly isotropic honest noise; gradients
/// whose covariance is dominated by a few directions have a top eigenvalue far above tr(Sigma)/d times the edge, and
/// need an explicit threshold (or a larger factor), or the filter will trim honest rows.</para>
/// <para>Removed rows: the filter down-weights smoothly, so a row counts as removed, and gets weight exactly 0 in the
/// output and the report, when its weight fell below half of its starting weight (<see cref="RemovedBelow"/>): by
/// then the filter has judged it more outlying than typical along the directions it inspected. The output is the mean
/// with the remaining c_i (normalised = report weights); Objective = the top eigenvalue for those final weights;
/// Converged = the threshold was met before max-iterations.</para>
/// <para>f is validated only: efficient filtering needs eps &lt; 1/3 (paper 000), so n &gt; 3f.</para>
/// </remarks>
public sealed class SpectralFilterRule : IAggregationRule
{
    public const string RuleName = "filter";

    /// <summary>Default C of the auto threshold.</summary>
    public const double DefaultThresholdFactor = 2.0;

    private Workspace? _spareWorkspace;

    /// <summary>
    /// 100: every step zeroes at least the row of largest score and shrinks the other outliers geometrically, so a
    /// handful of steps suffice unless outliers come one by one; each step costs O(n^2) per Lanczos step, not a pass.
    /// </summary>
    public const int DefaultMaxIterations = 100;

    /// <summary>A row whose weight fell below this fraction of its start counts as removed (weight 0).</summary>
    public const double RemovedBelow = 0.5;

    /// <param name="f">Byzantine rows to tolerate (validated: needs n &gt; 3f rows).</param>
    /// <param name="threshold">Absolute eigenvalue threshold; null = auto.</param>
    /// <param name="thresholdFactor">C of the auto threshold.</param>
    /// <param name="maxIterations">Cap on down-weighting steps.</param>
    public SpectralFilterRule(int f, double? threshold = null, double thresholdFactor = DefaultThresholdFactor, int maxIterations = DefaultMaxIterations)
    {
        ToleranceCheck.NonNegative(f, RuleName);
        if (threshold is { } t && !(t >= 0 && double.IsFinite(t)))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold must be a finite number >= 0");
        if (!(thresholdFactor > 0 && double.IsFinite(thresholdFactor)))
            throw new ArgumentOutOfRangeException(nameof(thresholdFactor), thresholdFactor, "threshold-factor must be > 0");
        ArgumentOutOfRangeException.ThrowIfNegative(maxIterations);
        F = f;
        Threshold = threshold;
        ThresholdFactor = thresholdFactor;
        MaxIterations = maxIterations;
    }

    /// <summary>Creates the rule for f of n workers from its config parameters (see the table above).</summary>
    public static SpectralFilterRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require(RuleName, f, n, n > 3 * f, "n > 3f (efficient filtering tolerates a fraction below 1/3)");
        var threshold = parameters.OptionalDouble("threshold", "auto", min: 0);
        var hasFactor = parameters.Has("threshold-factor");
        var factor = parameters.Double("threshold-factor", DefaultThresholdFactor, min: 0);
        if (factor <= 0)
            throw new ArgumentException("parameter 'threshold-factor': must be > 0", "threshold-factor");
        if (threshold is not null && hasFactor)
            throw new ArgumentException("parameter 'threshold-factor' applies only with threshold = auto", "threshold-factor");
        var maxIterations = parameters.Int("max-iterations", DefaultMaxIterations, min: 0);
        parameters.CheckAllRead(RuleName);
        return new SpectralFilterRule(f, threshold, factor, maxIterations);
    }

    public int F { get; }

    /// <summary>Absolute eigenvalue threshold, or null for the auto rule.</summary>
    public double? Threshold { get; }

    public double ThresholdFactor { get; }

    public int MaxIterations { get; }

    public string Name => RuleName;

    public int MinimumRows => 3 * F + 1;

    public async ValueTask AggregateAsync(IMatrixPasses rows, float[] output, AggregationContext context, AggregationReport report)
    {
        ToleranceCheck.Rows(this, rows, output);
        ArgumentNullException.ThrowIfNull(report);
        var n = rows.Rows;
        // Three n x n matrices and the Lanczos basis, large objects from n = 104 on: parked for the next call.
        var state = Parked.Take(ref _spareWorkspace) is { } spare && spare.Rows == n ? spare : new Workspace(n);
        await rows.GramAsync(state.Gram);

        var weights = Filter(state, rows.Columns, out var iterations, out var lambda, out var converged);
        Parked.Put(ref _spareWorkspace, state);

        await rows.WeightedSumAsync(weights, output);
        weights.CopyTo(report.Weights);
        report.Iterations = iterations;
        report.Objective = lambda;
        report.Converged = converged;
    }

    /// <summary>The filter on the Gram matrix alone; returns the final normalised weights.</summary>
    private double[] Filter(Workspace state, int d, out int iterations, out double lambda, out bool converged)
    {
        var (gram, n) = (state.Gram, state.Rows);
        var variance = Threshold is null ? HonestVariance(gram, n, d) : 0;
        var c = new double[n];
        Array.Fill(c, 1.0);
        // The first direction starts from the diagonal, whatever an earlier call left.
        Array.Clear(state.Vector);
        iterations = 0;
        converged = false;
        while (true)
        {
            lambda = TopDirection(gram, n, c, state);
            if (lambda <= ThresholdFor(variance, d, c))
            {
                converged = true;
                break;
            }
            if (iterations == MaxIterations)
                break;

            // tau_i = (C W^(1/2) u)_i^2 / lambda, and c_i <- c_i (1 - tau_i / max tau) over the rows still in.
            var maxScore = 0.0;
            for (var i = 0; i < n; i++)
            {
                if (c[i] == 0)
                    continue;
                var projection = 0.0;
                for (var k = 0; k < n; k++)
                    projection += state.Centred[i * n + k] * state.RootWeights[k] * state.Vector[k];
                state.Scores[i] = projection * projection / lambda;
                maxScore = Math.Max(maxScore, state.Scores[i]);
            }
            var left = 0.0;
            for (var i = 0; i < n; i++)
            {
                if (c[i] != 0)
                    left += Math.Max(0, c[i] * (1 - state.Scores[i] / maxScore));
            }
            if (left == 0)
            {
                // Every row still in ties for the largest score (e.g. two rows left): nothing can be told apart.
                break;
            }
            for (var i = 0; i < n; i++)
            {
                if (c[i] != 0)
                    c[i] = Math.Max(0, c[i] * (1 - state.Scores[i] / maxScore));
            }
            iterations++;
        }

        // Rows below RemovedBelow are removed, unless that would remove every row.
        if (c.Any(weight => weight >= RemovedBelow) && c.Any(weight => weight < RemovedBelow && weight != 0))
        {
            for (var i = 0; i < n; i++)
            {
                if (c[i] < RemovedBelow)
                    c[i] = 0;
            }
            lambda = TopDirection(gram, n, c, state);
        }

        var total = c.Sum();
        for (var i = 0; i < n; i++)
            c[i] /= total;
        return c;
    }

    /// <summary>The threshold for the current weights: the absolute one, or C sigma^2 (1 + sqrt(d / n_eff))^2.</summary>
    private double ThresholdFor(double variance, int d, double[] c)
    {
        if (Threshold is { } absolute)
            return absolute;
        var effective = c.Sum();
        var edge = 1 + Math.Sqrt(d / effective);
        return ThresholdFactor * variance * edge * edge;
    }

    /// <summary>sigma^2 = median_i median_{k != i} ||x_i - x_k||^2 / (2d (1 - 2/(9d))^3), from the Gram matrix.</summary>
    internal static double HonestVariance(double[] gram, int n, int d)
    {
        if (n < 2)
            return 0;
        var perRow = new double[n];
        var distances = new double[n - 1];
        for (var i = 0; i < n; i++)
        {
            var m = 0;
            for (var k = 0; k < n; k++)
            {
                if (k != i)
                    distances[m++] = Math.Max(0, gram[i * n + i] + gram[k * n + k] - 2 * gram[i * n + k]);
            }
            perRow[i] = MedianSortingInPlace(distances);
        }
        // ||x_i - x_k||^2 / (2 sigma^2) is chi-square with d degrees of freedom for Gaussian rows; its median is about
        // d (1 - 2/(9d))^3 (Wilson-Hilferty), which matters at small d (0.45 instead of 1 at d = 1).
        var medianOverMean = Math.Pow(1 - 2.0 / (9.0 * d), 3);
        return MedianSortingInPlace(perRow) / (2.0 * d * medianOverMean);
    }

    /// <summary>The median of even counts as NumPy's; sorts <paramref name="values"/> instead of a copy (n copies of
    /// n - 1 doubles a call, 8 MB at n = 1000, were most of what the filter allocated).</summary>
    private static double MedianSortingInPlace(double[] values)
    {
        Array.Sort(values);
        var m = values.Length;
        return (values[(m - 1) / 2] + values[m / 2]) / 2;
    }

    /// <summary>
    /// Fills the centred Gram C and sqrt(w) for the weights c, and returns the top eigenvalue of K = W^(1/2) C W^(1/2)
    /// with its eigenvector u in <see cref="Workspace.Vector"/>.
    /// </summary>
    private static double TopDirection(double[] gram, int n, double[] c, Workspace state)
    {
        var total = c.Sum();
        var a = state.Dots;
        for (var i = 0; i < n; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < n; k++)
                sum += gram[i * n + k] * c[k];
            a[i] = sum / total;
        }
        var s = 0.0;
        for (var i = 0; i < n; i++)
            s += c[i] * a[i];
        s /= total;
        for (var i = 0; i < n; i++)
        {
            state.RootWeights[i] = Math.Sqrt(c[i] / total);
            for (var k = 0; k < n; k++)
                state.Centred[i * n + k] = gram[i * n + k] - a[i] - a[k] + s;
        }
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
                state.Weighted[i * n + k] = state.RootWeights[i] * state.Centred[i * n + k] * state.RootWeights[k];
        }
        // Warm start from the previous direction, restricted to rows still in (zero the start of removed rows).
        for (var i = 0; i < n; i++)
        {
            if (c[i] == 0)
                state.Vector[i] = 0;
        }
        return state.Lanczos.TopEigenpair(state.Weighted, state.Vector);
    }

    private sealed class Workspace(int n)
    {
        public int Rows { get; } = n;
        public double[] Gram { get; } = new double[n * n];
        public Lanczos Lanczos { get; } = new(n);
        public double[] Centred { get; } = new double[n * n];
        public double[] Weighted { get; } = new double[n * n];
        public double[] RootWeights { get; } = new double[n];
        public double[] Dots { get; } = new double[n];
        public double[] Scores { get; } = new double[n];
        public double[] Vector { get; } = new double[n];
    }
}
