namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Per coordinate j, (1/n) * sum_i x_ij, summed in double in row order 0..n-1 and rounded to float once.
/// </summary>
/// <remarks>
/// Rows are added one at a time into a tile of double sums small enough for the first-level cache, so each row is
/// read as one contiguous run. Each coordinate's sum is its own chain of additions in row order, so its value does
/// not depend on the tile, the range or the vector width; with double sums of float values it is also the correctly
/// rounded mean in all but pathological cases, so permuting rows almost never changes a bit.
/// </remarks>
internal static class RowMean
{
    private const int TileColumns = 1024;

    public static void Average(GradientMatrix matrix, CoordinateRange range, Span<float> output, AggregationWorkspace workspace)
    {
        var rows = matrix.Rows;
        var sums = workspace.Doubles(Math.Min(TileColumns, range.Length));
        for (var offset = 0; offset < range.Length; offset += TileColumns)
        {
            var columns = Math.Min(TileColumns, range.Length - offset);
            var start = range.Start + offset;
            var tileSums = sums[..columns];
            tileSums.Clear();
            for (var i = 0; i < rows; i++)
                DoubleAccumulation.AddWidened(matrix.RowView(i).Slice(start, columns), tileSums);
            DoubleAccumulation.StoreQuotient(tileSums, rows, output.Slice(offset, columns));
        }
    }
}
