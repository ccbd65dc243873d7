namespace FedActors.Aggregation;

/// <summary>
/// The passes a rule makes over an n x d matrix of rows, each computed per coordinate range (one per shard) so that a
/// rule is written once and runs on 1 shard, 8 shards or shards on other nodes with the same result.
/// </summary>
/// <remarks>
/// <para>Cross-coordinate results (Gram matrices, distances, dot products) are sums over coordinates. They are
/// computed per fixed block of <see cref="CoordinatePartition.BlockSize"/> coordinates and combined by the fixed
/// binary tree of <see cref="BlockTree"/>, whose shape depends only on the number of blocks: a shard combines the
/// complete subtrees inside its range, the caller combines the rest, and the bits never depend on the split.
/// Coordinate-wise results (weighted sums, column moments, coordinate-wise rules) need no combining.</para>
/// <para>Passes return <see cref="ValueTask"/> so the same rule code can await shards that answer by message; the
/// in-process implementation (<see cref="MatrixPasses.Local"/>) completes synchronously.</para>
/// <para>Sums are accumulated in double (a float x float product is exact in double). No pass accepts NaN or
/// infinity: implementations check their inputs and throw <see cref="ArgumentException"/>.</para>
/// </remarks>
public interface IMatrixPasses
{
    /// <summary>n, the number of rows.</summary>
    int Rows { get; }

    /// <summary>d, the number of coordinates.</summary>
    int Columns { get; }

    /// <summary>Runs a coordinate-wise rule on every range; output has length d.</summary>
    ValueTask CoordinateWiseAsync(ICoordinateWiseRule rule, float[] output);

    /// <summary>
    /// Runs the rule on every range as <see cref="CoordinateWiseAsync(ICoordinateWiseRule, float[])"/>, and counts
    /// keptCounts[i] = #{ j : low_j &lt;= x_ij &lt;= high_j }, the coordinates at which row i's value lay in the band
    /// the rule kept (length n; integers, exact in double, so independent of the split).
    /// </summary>
    ValueTask CoordinateWiseAsync(IKeptBandRule rule, float[] output, double[] keptCounts);

    /// <summary>gram[i * n + k] = &lt;x_i, x_k&gt; for all i, k (full symmetric n x n, row-major).</summary>
    ValueTask GramAsync(double[] gram);

    /// <summary>distances[i] = ||x_i - z||^2; z has length d.</summary>
    ValueTask SquaredDistancesAsync(float[] z, double[] distances);

    /// <summary>dots[i] = &lt;x_i, v&gt;; v has length d.</summary>
    ValueTask DotsAsync(float[] v, double[] dots);

    /// <summary>output[j] = (float)(sum_i weights[i] * x_ij), summed in double in row order. Weights need not sum to 1.</summary>
    ValueTask WeightedSumAsync(double[] weights, float[] output);

    /// <summary>
    /// One sweep that does both halves of a Weiszfeld step: output = sum_i weights[i] * x_i as in
    /// <see cref="WeightedSumAsync"/>, then distances[i] = ||x_i - output||^2 to the new point.
    /// </summary>
    ValueTask WeightedSumAndDistancesAsync(double[] weights, float[] output, double[] distances);

    /// <summary>Per column j: sums[j] = sum_i x_ij and squares[j] = sum_i x_ij^2 (both length d).</summary>
    ValueTask ColumnMomentsAsync(double[] sums, double[] squares);

    /// <summary>
    /// The matrix Y = M X with M given row-major as <paramref name="outputRows"/> x n <paramref name="mixing"/>
    /// coefficients (group means, nearest-neighbour mixing, bucketing, clipping as a diagonal), stored per range like
    /// this one. The result stays valid until this instance is used for another mix.
    /// </summary>
    ValueTask<IMatrixPasses> MixAsync(double[] mixing, int outputRows);

    /// <summary>The n x k matrix of the given columns (ascending, distinct), for rules that work on a block of coordinates.</summary>
    ValueTask<IMatrixPasses> SelectColumnsAsync(int[] columns);

    /// <summary>Copies row i into <paramref name="destination"/> (length d), e.g. the row Krum selects.</summary>
    ValueTask CopyRowAsync(int row, float[] destination);
}
