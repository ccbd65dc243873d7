namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Per coordinate j of a range, the mean of the order statistics x_(first) .. x_(last) (0-based ranks, inclusive)
/// of column j over rows [0, n): the median is ranks (n-1)/2 .. n/2, the f-trimmed mean ranks f .. n-f-1.
/// </summary>
/// <remarks>
/// Two paths, chosen by n alone so that a coordinate's value never depends on the range it sits in:
/// <list type="bullet">
/// <item>n &lt;= <see cref="NetworkMaxRows"/>: rows are loaded 64 coordinates at a time as the wires of a
/// vectorized sorting network; the kept ranks are then summed in double in ascending order of value, so the result
/// is exactly invariant to permuting the rows.</item>
/// <item>larger n: a tile of columns is transposed into the workspace so that each coordinate's n values are
/// contiguous, introselect finds the values of ranks first and last, and one pass sums in double, in row order, the
/// values strictly between them plus the tied copies of the two bounds that fall inside the ranks.</item>
/// </list>
/// Both paths give bit-identical medians (0 + low + high in double either way); trimmed means may differ in the last
/// bit between the paths, but the path is fixed by n. Given non-empty <c>low</c> and <c>high</c> spans, both also
/// write the values of ranks first and last per coordinate: the band of kept values that the counting pass of
/// <see cref="IKeptBandRule"/> needs.
/// </remarks>
internal static class OrderStatistics
{
    /// <summary>Up to this many rows the sorting network beats transpose + select (see OrderStatisticPathsBenchmark).</summary>
    public const int NetworkMaxRows = SortingNetwork.MaxWires;

    /// <summary>Floats per transposed tile: 256 KiB, which stays in the second-level cache while each column is selected.</summary>
    private const int TileFloats = 64 * 1024;

    /// <summary>Columns per transposed tile at most: one 64-column group, the transpose kernel's unit.</summary>
    private const int MaxTileColumns = 64;

    public static void AverageOfRanks(GradientMatrix matrix, CoordinateRange range, int first, int last, Span<float> output,
        AggregationWorkspace workspace, Span<float> low = default, Span<float> high = default)
    {
        if (matrix.Rows <= NetworkMaxRows)
            AverageOfRanksByNetwork(matrix, range, first, last, output, workspace, low, high);
        else
            AverageOfRanksBySelection(matrix, range, first, last, output, workspace, low, high);
    }

    internal static void AverageOfRanksByNetwork(GradientMatrix matrix, CoordinateRange range, int first, int last,
        Span<float> output, AggregationWorkspace workspace, Span<float> low = default, Span<float> high = default)
    {
        CheckRanks(matrix.Rows, first, last);
        var band = CheckBand(range, low, high);
        const int width = SortingNetwork.WireWidth;
        var rows = matrix.Rows;
        var wires = workspace.Floats(rows * width);
        var sums = workspace.Doubles(width);
        var comparators = workspace.SortingNetwork(rows);
        double kept = last - first + 1;
        for (var offset = 0; offset < range.Length; offset += width)
        {
            // A partial last group leaves stale lanes at the right end of every wire; they are sorted along and
            // never read back, and lanes never mix, so they cannot change the lanes in use.
            var columns = Math.Min(width, range.Length - offset);
            var start = range.Start + offset;
            for (var i = 0; i < rows; i++)
                matrix.RowView(i).Slice(start, columns).CopyTo(wires.Slice(i * width, columns));
            SortingNetwork.Sort(wires, rows, comparators);

            var groupSums = sums[..columns];
            groupSums.Clear();
            for (var rank = first; rank <= last; rank++)
                DoubleAccumulation.AddWidened(wires.Slice(rank * width, columns), groupSums);
            DoubleAccumulation.StoreQuotient(groupSums, kept, output.Slice(offset, columns));
            if (band)
            {
                wires.Slice(first * width, columns).CopyTo(low.Slice(offset, columns));
                wires.Slice(last * width, columns).CopyTo(high.Slice(offset, columns));
            }
        }
    }

    internal static void AverageOfRanksBySelection(GradientMatrix matrix, CoordinateRange range, int first, int last,
        Span<float> output, AggregationWorkspace workspace, Span<float> low = default, Span<float> high = default)
    {
        CheckRanks(matrix.Rows, first, last);
        var band = CheckBand(range, low, high);
        var rows = matrix.Rows;
        var columnStride = AlignedMemory.OddLineStride(rows);
        var tileColumns = Math.Clamp(TileFloats / columnStride, 1, MaxTileColumns);
        var floats = workspace.Floats(columnStride * (tileColumns + 2));
        var tile = floats[..(columnStride * tileColumns)];
        var scratch = floats.Slice(columnStride * tileColumns, rows);
        var spare = floats.Slice(columnStride * (tileColumns + 1), rows);
        var kept = last - first + 1;
        for (var offset = 0; offset < range.Length; offset += tileColumns)
        {
            var columns = Math.Min(tileColumns, range.Length - offset);
            Transpose.Columns(matrix, range.Start + offset, columns, tile, columnStride);
            for (var c = 0; c < columns; c++)
            {
                var column = tile.Slice(c * columnStride, rows);
                var (lowValue, highValue) = Selection.Ranks(column, first, last, scratch, spare);
                output[offset + c] = lowValue == highValue
                    ? lowValue
                    : AverageOfRanksFromBounds(column, first, last, lowValue, highValue, kept);
                if (band)
                {
                    low[offset + c] = lowValue;
                    high[offset + c] = highValue;
                }
            }
        }
    }

    /// <summary>
    /// Given the values low &lt; high of ranks first and last, the kept values are those strictly between (summed in
    /// row order), plus as many copies of low and of high as ties put inside ranks first..last.
    /// </summary>
    private static float AverageOfRanksFromBounds(ReadOnlySpan<float> column, int first, int last, float low, float high, int kept)
    {
        var between = DoubleAccumulation.SumBetween(column, low, high, out var atMostLow, out var belowHigh);
        var sum = between + (double)(atMostLow - first) * low + (double)(last + 1 - belowHigh) * high;
        return (float)(sum / kept);
    }

    /// <summary>Whether the caller asked for the band (both spans non-empty); then both must cover the range.</summary>
    internal static bool CheckBand(CoordinateRange range, Span<float> low, Span<float> high)
    {
        if (low.IsEmpty && high.IsEmpty)
            return false;
        if (low.Length != range.Length || high.Length != range.Length)
            throw new ArgumentException($"the band has {low.Length} and {high.Length} values, expected {range.Length}");
        return true;
    }

    private static void CheckRanks(int rows, int first, int last)
    {
        if (first < 0 || last < first || last >= rows)
            throw new ArgumentOutOfRangeException(nameof(first), $"ranks {first}..{last} do not lie in [0, {rows})");
    }
}
