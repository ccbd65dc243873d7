namespace FedActors.Aggregation;

/// <summary>
/// Nearest-neighbour mixing: row i becomes the mean of its n - f nearest rows, itself included, y_i = (1/(n-f))
/// sum_{k in N_i} x_k (Allouah, Farhadkhani, Guerraoui, Gupta, Pinot, Stephan, "Fixing by mixing", AISTATS 2023).
/// </summary>
/// <remarks>
/// <para>Parameters (config: <c>aggregator.pre = [nnm]</c>): none besides f. Needs n &gt; 2f.</para>
/// <para>N_i is row i itself and its n - f - 1 nearest other rows by squared distance, all taken from one Gram
/// pass (<see cref="GramDistances"/>); equal distances go to the lower row index. The mixing matrix has 1/(n - f)
/// at (i, k) for k in N_i; the output keeps n rows, in the input's order.</para>
/// </remarks>
public sealed class NearestNeighbourMixing : IPreAggregator
{
    private GramDistances? _spareDistances;

    public NearestNeighbourMixing(int f)
    {
        ToleranceCheck.NonNegative(f, "nnm");
        F = f;
    }

    /// <summary>Reads the step's parameters (none) and checks that f of n is tolerable.</summary>
    public static NearestNeighbourMixing Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require("nnm", f, n, n > 2L * f, "n > 2f");
        parameters.CheckAllRead("nnm");
        return new NearestNeighbourMixing(f);
    }

    /// <summary>Number of Byzantine rows the step is told to tolerate: each row mixes n - f rows.</summary>
    public int F { get; }

    public string Name => "nnm";

    public int OutputRows(int inputRows) => inputRows;

    public async ValueTask<MixedRows> ApplyAsync(IMatrixPasses rows, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Rows;
        var mixed = n - F;
        if (mixed < 1)
            throw new ArgumentException($"nnm with f = {F} needs at least {F + 1} rows, the matrix has {n}", nameof(rows));
        var distances = await (Parked.Take(ref _spareDistances) ?? new GramDistances()).ComputeAsync(rows);
        // The mixing matrix is not reused: the caller holds it after this call returns.
        var mixing = new double[n * n];
        var share = 1.0 / mixed;
        for (var i = 0; i < n; i++)
        {
            mixing[i * n + i] = share;
            var neighbours = distances.NeighboursOf(i);
            for (var t = 0; t < mixed - 1; t++)
                mixing[i * n + neighbours[t]] = share;
        }
        Parked.Put(ref _spareDistances, distances);
        return new MixedRows(await rows.MixAsync(mixing, n), mixing);
    }
}
