using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation;

/// <summary>
/// Mean around median: per coordinate, the mean of the n - f values closest to the coordinate's median (np.median
/// convention) (Xie, Koyejo, Gupta, "Generalized Byzantine-tolerant SGD", 2018). f = 0 is the mean.
/// </summary>
/// <remarks>
/// <para>Parameters (config block <c>aggregator.meamed</c>): none besides f. Needs n &gt; 2f, MinimumRows = 2f + 1.</para>
/// <para>The k = n - f values closest to a point are k consecutive values of the sorted column, so each column is
/// sorted and the window s[p..p+k) is the first one with m - s[p] &lt;= s[p+k] - m (m the median, computed in
/// double): a value exactly as far below the median as another is above it is kept over that other one (ties go
/// to the lower value, not to a row index). The kept values are summed in double in ascending order and rounded
/// to float once, so the result depends only on the column's values: exactly invariant to permuting the rows.</para>
/// <para>Columns are sorted 64 at a time by the vectorized sorting network up to
/// <see cref="SortingNetwork.MaxWires"/> rows; above, a tile of columns is transposed into the workspace and
/// each column sorted on its own. Both paths give the same bits.</para>
/// <para>Report: row i's weight is the share of the kept values that were row i's, counting row i as kept at
/// coordinate j when s[p] &lt;= x_ij &lt;= s[p+k-1] there, the smallest and largest kept values (see
/// <see cref="KeptBandWeights"/>); 0 for a row never among the k closest. With f = 0 every row weighs 1/n.</para>
/// </remarks>
public sealed class MeanAroundMedianRule : OrderStatisticRule
{
    /// <summary>Floats per transposed tile of the large-n path: 256 KiB, which stays in the second-level cache while each column is sorted.</summary>
    private const int TileFloats = 64 * 1024;

    private const int MaxTileColumns = 64;

    public MeanAroundMedianRule(int f)
        : this(f, RuleArguments.CheckedMinimumRows(f, "meamed"), "meamed")
    {
    }

    /// <summary>
    /// The same kernel with its own minimum: Bulyan keeps beta = theta - 2f of its theta selected values, fewer than
    /// half of them, which the rule on its own refuses.
    /// </summary>
    internal MeanAroundMedianRule(int f, int minimumRows, string name)
    {
        if (f < 0)
            throw new ArgumentOutOfRangeException(nameof(f), f, $"{name}: f (Byzantine rows to tolerate) must be >= 0");
        if (minimumRows <= f)
            throw new ArgumentOutOfRangeException(nameof(minimumRows), minimumRows, $"{name}: at least one value must be kept");
        F = f;
        MinimumRows = minimumRows;
        Name = name;
    }

    /// <summary>Reads the rule's parameters (none) and checks that f of n is tolerable.</summary>
    public static MeanAroundMedianRule Create(int f, int n, RuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ToleranceCheck.Require("meamed", f, n, n > 2L * f, "n > 2f");
        parameters.CheckAllRead("meamed");
        return new MeanAroundMedianRule(f);
    }

    /// <summary>Values dropped per coordinate: the f farthest from the median.</summary>
    public int F { get; }

    public override string Name { get; }

    public override int MinimumRows { get; }

    public override void AggregateRange(GradientMatrix matrix, CoordinateRange range, Span<float> output, Span<float> low, Span<float> high,
        AggregationWorkspace workspace)
    {
        RuleArguments.CheckRange(this, matrix, range, output.Length);
        ArgumentNullException.ThrowIfNull(workspace);
        var kept = matrix.Rows - F;
        if (matrix.Rows <= SortingNetwork.MaxWires)
            AggregateByNetwork(matrix, range, kept, output, workspace, low, high);
        else
            AggregateBySorting(matrix, range, kept, output, workspace, low, high);
    }

    internal static void AggregateByNetwork(GradientMatrix matrix, CoordinateRange range, int kept, Span<float> output,
        AggregationWorkspace workspace, Span<float> low = default, Span<float> high = default)
    {
        var band = OrderStatistics.CheckBand(range, low, high);
        const int width = SortingNetwork.WireWidth;
        var rows = matrix.Rows;
        var wires = workspace.Floats(rows * width);
        var comparators = workspace.SortingNetwork(rows);
        for (var offset = 0; offset < range.Length; offset += width)
        {
            // A partial last group leaves stale lanes at the right end of every wire; lanes never mix, so they are
            // sorted along and never read.
            var columns = Math.Min(width, range.Length - offset);
            var start = range.Start + offset;
            for (var i = 0; i < rows; i++)
                matrix.RowView(i).Slice(start, columns).CopyTo(wires.Slice(i * width, columns));
            SortingNetwork.Sort(wires, rows, comparators);
            for (var lane = 0; lane < columns; lane++)
            {
                var sorted = wires[lane..];
                var window = ClosestWindow(sorted, width, rows, kept);
                output[offset + lane] = MeanOfWindow(sorted, width, window, kept);
                if (band)
                {
                    low[offset + lane] = sorted[window * width];
                    high[offset + lane] = sorted[(window + kept - 1) * width];
                }
            }
        }
    }

    internal static void AggregateBySorting(GradientMatrix matrix, CoordinateRange range, int kept, Span<float> output,
        AggregationWorkspace workspace, Span<float> low = default, Span<float> high = default)
    {
        var band = OrderStatistics.CheckBand(range, low, high);
        var rows = matrix.Rows;
        var columnStride = AlignedMemory.OddLineStride(rows);
        var tileColumns = Math.Clamp(TileFloats / columnStride, 1, MaxTileColumns);
        var tile = workspace.Floats(columnStride * tileColumns);
        for (var offset = 0; offset < range.Length; offset += tileColumns)
        {
            var columns = Math.Min(tileColumns, range.Length - offset);
            Transpose.Columns(matrix, range.Start + offset, columns, tile, columnStride);
            for (var c = 0; c < columns; c++)
            {
                var column = tile.Slice(c * columnStride, rows);
                column.Sort();
                var window = ClosestWindow(column, 1, rows, kept);
                output[offset + c] = MeanOfWindow(column, 1, window, kept);
                if (band)
                {
                    low[offset + c] = column[window];
                    high[offset + c] = column[window + kept - 1];
                }
            }
        }
    }

    /// <summary>
    /// Where the <paramref name="kept"/> values closest to the median start among n values sorted ascending at
    /// sorted[0], sorted[stride], ...: the window is sorted[p * stride] .. sorted[(p + kept - 1) * stride].
    /// </summary>
    internal static int ClosestWindow(ReadOnlySpan<float> sorted, int stride, int n, int kept)
    {
        var median = ((double)sorted[(n - 1) / 2 * stride] + sorted[n / 2 * stride]) / 2;
        // m - s[p] falls and s[p + kept] - m rises with p, so "the window moves right" holds for a prefix of p.
        int low = 0, high = n - kept;
        while (low < high)
        {
            var p = (low + high) >>> 1;
            if (median - sorted[p * stride] > sorted[(p + kept) * stride] - median)
                low = p + 1;
            else
                high = p;
        }
        return low;
    }

    /// <summary>The mean of the window's values, summed in ascending order in double and rounded to float once.</summary>
    private static float MeanOfWindow(ReadOnlySpan<float> sorted, int stride, int window, int kept)
    {
        var sum = 0.0;
        for (var r = window; r < window + kept; r++)
            sum += sorted[r * stride];
        return (float)(sum / kept);
    }
}
