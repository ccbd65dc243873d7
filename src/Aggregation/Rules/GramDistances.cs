namespace FedActors.Aggregation;

/// <summary>
/// All pairwise squared distances ||x_i - x_k||^2 of the rows from one Gram pass, d_ik = G_ii + G_kk - 2 G_ik, and
/// each row's other rows sorted by distance: what Krum, Multi-Krum, Bulyan and nearest-neighbour mixing select on.
/// </summary>
/// <remarks>
/// <para>Precision. The Gram entries are float products (exact in double) summed in double by a fixed tree, so each
/// carries a relative error of order 1e-16 log2(d). The subtraction cancels: d_ik is off by about
/// 1e-16 (G_ii + G_kk) in absolute terms, so rows closer than about 1e-8 of their norms (||x_i - x_k|| against
/// ||x_i||) are not told apart, and the rounding's negative values are clamped to 0. Rows that differ only by float
/// rounding fall below that; gradients of different workers differ by their sampling noise, many orders of magnitude
/// more, so the selections (which only compare distances) are unaffected in practice, and equal distances go to the
/// lower row index. Resolving smaller distances would need the rows centred first or each distance computed directly:
/// another pass of the same O(n^2 d) size.</para>
/// <para>d_ik and d_ki are the same double (computed once from the upper triangle) and d_ii = 0, so selections are
/// symmetric and a row is always its own nearest neighbour.</para>
/// </remarks>
internal sealed class GramDistances
{
    // Buffers for n rows, kept by the instance from call to call (see Parked).
    private double[] _distances = [];
    private double[] _squaredNorms = [];
    private int[] _neighbours = [];
    private double[] _sortedDistances = [];
    private bool _neighboursSorted;

    /// <summary>n, the number of rows of the last <see cref="ComputeAsync"/>.</summary>
    public int Rows { get; private set; }

    /// <summary>
    /// One <see cref="IMatrixPasses.GramAsync"/> pass, turned into distances in place; overwrites the distances of the
    /// previous call (this instance is returned for chaining).
    /// </summary>
    public async ValueTask<GramDistances> ComputeAsync(IMatrixPasses rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Rows;
        if (_squaredNorms.Length != n)
        {
            (_distances, _squaredNorms) = (new double[n * n], new double[n]);
            (_neighbours, _sortedDistances) = (new int[n * (n - 1)], new double[n * (n - 1)]);
        }
        Rows = n;
        _neighboursSorted = false;
        await rows.GramAsync(_distances);
        FromGram(_distances, n, _squaredNorms);
        return this;
    }

    /// <summary>Overwrites the Gram matrix <paramref name="gram"/> (n x n, row-major) with the squared distances.</summary>
    private static void FromGram(double[] gram, int n, double[] squaredNorms)
    {
        for (var i = 0; i < n; i++)
            squaredNorms[i] = gram[i * n + i];
        for (var i = 0; i < n; i++)
        {
            gram[i * n + i] = 0;
            for (var k = i + 1; k < n; k++)
            {
                var distance = Math.Max(0, squaredNorms[i] + squaredNorms[k] - 2 * gram[i * n + k]);
                gram[i * n + k] = distance;
                gram[k * n + i] = distance;
            }
        }
    }

    /// <summary>
    /// The other rows of row <paramref name="i"/> (n - 1 of them), nearest first; equal distances in ascending row
    /// order. Sorted once for all rows on first use.
    /// </summary>
    public ReadOnlySpan<int> NeighboursOf(int i)
    {
        SortNeighbours();
        return _neighbours.AsSpan(i * (Rows - 1), Rows - 1);
    }

    /// <summary>
    /// The sum of the distances from row <paramref name="i"/> to its <paramref name="count"/> nearest other rows among
    /// those not <paramref name="removed"/> (empty: none removed), added nearest first, so the sum depends only on the
    /// distances, not on the row order. Krum's score with count = n - f - 2.
    /// </summary>
    public double SumOfNearest(int i, int count, ReadOnlySpan<bool> removed)
    {
        SortNeighbours();
        var start = i * (Rows - 1);
        var distances = _sortedDistances.AsSpan(start, Rows - 1);
        var sum = 0.0;
        if (removed.IsEmpty)
        {
            for (var t = 0; t < count; t++)
                sum += distances[t];
            return sum;
        }
        var neighbours = _neighbours.AsSpan(start, Rows - 1);
        var taken = 0;
        for (var t = 0; t < neighbours.Length && taken < count; t++)
        {
            // Branch-free: which rows are removed is unpredictable, and adding +0 to a sum of distances (>= +0)
            // leaves it unchanged.
            var keep = removed[neighbours[t]] ? 0 : 1;
            sum += keep * distances[t];
            taken += keep;
        }
        return sum;
    }

    private void SortNeighbours()
    {
        if (_neighboursSorted)
            return;
        var n = Rows;
        var neighbours = _neighbours;
        var sorted = _sortedDistances;
        for (var i = 0; i < n; i++)
        {
            var start = i * (n - 1);
            var next = start;
            for (var k = 0; k < n; k++)
            {
                if (k == i)
                    continue;
                neighbours[next] = k;
                sorted[next] = _distances[i * n + k];
                next++;
            }
            Array.Sort(sorted, neighbours, start, n - 1);
            // The sort is not stable: put each run of equal distances back in ascending row order.
            for (var runStart = start; runStart < start + n - 1;)
            {
                var runEnd = runStart + 1;
                while (runEnd < start + n - 1 && sorted[runEnd] == sorted[runStart])
                    runEnd++;
                if (runEnd - runStart > 1)
                    Array.Sort(neighbours, runStart, runEnd - runStart);
                runStart = runEnd;
            }
        }
        _neighboursSorted = true;
    }

    /// <summary>
    /// Row indices ordered by ascending score, equal scores by ascending index: the order in which Krum-style rules
    /// pick rows.
    /// </summary>
    public static int[] Ranking(ReadOnlySpan<double> scores)
    {
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        var values = scores.ToArray();
        Array.Sort(order, (a, b) =>
        {
            var byScore = values[a].CompareTo(values[b]);
            return byScore != 0 ? byScore : a.CompareTo(b);
        });
        return order;
    }
}
