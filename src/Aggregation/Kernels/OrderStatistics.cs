using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// Per coordinate j of a range, the mean of the order statistics x_(first) .. x_(last) (0-based ranks, inclusive)
/// of column j over rows [0, n): the median is ranks (n-1)/2 .. n/2, the f-trimmed mean ranks f .. n-f-1.
/// </summary>
/// <remarks>
/// <para>The values of ranks first and last are found by radix selection on order keys (<see cref="IKeyLanes{TVector, TSums}"/>):
/// the key of rank k is the largest key K with at most k keys below it, decided one bit at a time, most significant
/// first, with one counting pass over the column per bit. A vector holds one coordinate per lane and one row per
/// load, so a group of coordinates needs no transpose and its n vectors stay in the first-level cache for every
/// pass. Why counting rather than sorting: a counting pass is a load, a compare and an add per row, with no store and
/// no data-dependent branch, where each compare-exchange of a sorting network stores both of its outputs; and the
/// work is the same for ties, outliers at 1e30 or constant columns. Measured against Batcher's network (up to 1024
/// rows) and transpose + introselect (above), which this replaced: about 2x faster at n = 200 and 2-3x at n = 2000
/// (docs/PERFORMANCE.md).</para>
/// <para>Each lane is a coordinate and lanes never mix, so a coordinate's value depends on its column alone: not on
/// the vector width, the range or the shard. The two middle values of a median are averaged in double (exactly
/// invariant to permuting rows). A wider band is the values strictly between the two bounds, summed in double in row
/// order, plus the tied copies of the bounds that fall inside the ranks: a double holds the sum of up to a thousand
/// floats exactly unless their magnitudes span more than about 2^29, so permuting the rows changes the result only
/// in that case, and then by a rounding of the double sum.</para>
/// <para>Given non-empty <c>low</c> and <c>high</c> spans, the values of ranks first and last are also written per
/// coordinate: the band of kept values that the counting pass of <see cref="IKeptBandRule"/> needs.</para>
/// </remarks>
internal static class OrderStatistics
{
    /// <summary>Columns copied per tile: four 64-byte lines of each row read together, a multiple of every lane count.</summary>
    private const int TileColumns = 64;

    public static void AverageOfRanks(GradientMatrix matrix, CoordinateRange range, int first, int last, Span<float> output,
        AggregationWorkspace workspace, Span<float> low = default, Span<float> high = default)
    {
        CheckRanks(matrix.Rows, first, last);
        var band = CheckBand(range, low, high);
        if (Vector512.IsHardwareAccelerated)
            Run<Keys512, Vector512<int>, (Vector512<double>, Vector512<double>)>(matrix, range, first, last, output, workspace, low, high, band);
        else if (Vector256.IsHardwareAccelerated)
            Run<Keys256, Vector256<int>, (Vector256<double>, Vector256<double>)>(matrix, range, first, last, output, workspace, low, high, band);
        else
            Run<Keys128, Vector128<int>, (Vector128<double>, Vector128<double>)>(matrix, range, first, last, output, workspace, low, high, band);
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

    private static void Run<TLanes, TVector, TSums>(GradientMatrix matrix, CoordinateRange range, int first, int last, Span<float> output,
        AggregationWorkspace workspace, Span<float> low, Span<float> high, bool band)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        var rows = matrix.Rows;
        var tileKeys = TileColumns * rows;
        var floats = workspace.Floats(tileKeys + 4 * lanes);
        var keys = MemoryMarshal.Cast<float, int>(floats[..tileKeys]);
        var lowValues = floats.Slice(tileKeys, lanes);
        var highValues = floats.Slice(tileKeys + lanes, lanes);
        var atMostLowCounts = MemoryMarshal.Cast<float, int>(floats.Slice(tileKeys + 2 * lanes, lanes));
        var belowHighCounts = MemoryMarshal.Cast<float, int>(floats.Slice(tileKeys + 3 * lanes, lanes));
        var sums = workspace.Doubles(lanes);
        var kept = last - first + 1;
        for (var offset = 0; offset < range.Length; offset += lanes)
        {
            var columns = Math.Min(lanes, range.Length - offset);
            var inTile = offset % TileColumns;
            if (inTile == 0)
                LoadKeys<TLanes, TVector, TSums>(matrix, range.Start + offset, Math.Min(TileColumns, range.Length - offset), keys);
            ref var origin = ref MemoryMarshal.GetReference(keys[(inTile * rows)..]);
            TVector lowKey;
            TVector highKey;
            if (first == last)
                highKey = lowKey = Select<TLanes, TVector, TSums>(ref origin, rows, first);
            else if (last == first + 1)
            {
                lowKey = Select<TLanes, TVector, TSums>(ref origin, rows, first);
                highKey = Successor<TLanes, TVector, TSums>(ref origin, rows, lowKey, first);
            }
            else
                (lowKey, highKey) = SelectTwo<TLanes, TVector, TSums>(ref origin, rows, first, last);
            TLanes.StoreValues(lowKey, ref MemoryMarshal.GetReference(lowValues));
            TLanes.StoreValues(highKey, ref MemoryMarshal.GetReference(highValues));

            if (kept <= 2)
            {
                for (var c = 0; c < columns; c++)
                    output[offset + c] = kept == 1 ? lowValues[c] : (float)(((double)lowValues[c] + highValues[c]) / 2);
            }
            else
            {
                var (atMostLow, belowHigh) = SumBetween<TLanes, TVector, TSums>(ref origin, rows, lowKey, highKey, sums);
                TLanes.Store(atMostLow, ref MemoryMarshal.GetReference(atMostLowCounts));
                TLanes.Store(belowHigh, ref MemoryMarshal.GetReference(belowHighCounts));
                for (var c = 0; c < columns; c++)
                {
                    var lowValue = lowValues[c];
                    var highValue = highValues[c];
                    // Equal keys: every kept value is that one value (counting ties from a sum would only add rounding).
                    output[offset + c] = OrderKeys.Of(lowValue) == OrderKeys.Of(highValue)
                        ? lowValue
                        : (float)((sums[c] + (double)(atMostLowCounts[c] - first) * lowValue
                            + (double)(last + 1 - belowHighCounts[c]) * highValue) / kept);
                }
            }
            if (band)
            {
                lowValues[..columns].CopyTo(low.Slice(offset, columns));
                highValues[..columns].CopyTo(high.Slice(offset, columns));
            }
        }
    }

    /// <summary>
    /// Copies the keys of columns [start, start + columns) into <paramref name="keys"/>, one group of
    /// <c>lanes</c> columns after another, each group row by row: keys[(g * rows + i) * lanes + c] = key of
    /// x[i, start + g * lanes + c]. Lanes past the last column get key 0 and are never read. While a row is copied, its
    /// next tile is prefetched: the n rows of a tile are n places in memory far apart, which no hardware prefetcher
    /// follows, and the counting passes of this tile leave memory idle meanwhile (measured: 52 ms without, 34 ms with,
    /// for the median of 200 x 10^5 on one core).
    /// </summary>
    private static unsafe void LoadKeys<TLanes, TVector, TSums>(GradientMatrix matrix, int start, int columns, Span<int> keys)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        var rows = matrix.Rows;
        var stride = (nint)matrix.RowStride;
        ref var origin = ref Unsafe.AsRef(in matrix.Origin);
        ref var destination = ref MemoryMarshal.GetReference(keys);
        var whole = columns / lanes * lanes;
        var prefetch = Sse.IsSupported && start + TileColumns < matrix.Columns;
        var lineFloats = AlignedMemory.AlignmentBytes / sizeof(float);
        var prefetchFloats = Math.Min(TileColumns, matrix.Columns - start - TileColumns);
        for (var i = 0; i < rows; i++)
        {
            ref var row = ref Unsafe.Add(ref origin, i * stride + start);
            if (prefetch)
            {
                for (var c = 0; c < prefetchFloats; c += lineFloats)
                    Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref row, TileColumns + c)));
            }
            var c0 = 0;
            for (; c0 < whole; c0 += lanes)
                TLanes.Store(TLanes.KeysOf(ref Unsafe.Add(ref row, c0)), ref Unsafe.Add(ref destination, (c0 * rows + i * lanes)));
            if (c0 < columns)
            {
                ref var wire = ref Unsafe.Add(ref destination, c0 * rows + i * lanes);
                for (var c = 0; c < lanes; c++)
                    Unsafe.Add(ref wire, c) = c0 + c < columns ? OrderKeys.Of(Unsafe.Add(ref row, c0 + c)) : 0;
            }
        }
    }

    /// <summary>
    /// Per lane, the key of rank k. Bit by bit, a trial key is kept as the lower bound when at most k keys lie below
    /// it and becomes the upper bound otherwise. Most of the 32 passes are not needed: as soon as, in every lane,
    /// exactly k keys lie below the lower bound (rank k is the smallest key at or above it) or exactly k + 1 below the
    /// upper bound (rank k is the largest key below it), one extraction pass reads the key off. On gradients that
    /// happens once the bounds are closer than the gap between neighbouring values, typically after 15 to 20 bits.
    /// </summary>
    private static TVector Select<TLanes, TVector, TSums>(ref int keys, int rows, int k)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var search = new RankSearch<TLanes, TVector, TSums>(rows, k);
        for (var bit = 31; bit >= 0 && !search.Settled; bit--)
        {
            var trial = search.Trial(bit);
            search.Narrow(trial, CountBelow<TLanes, TVector, TSums>(ref keys, rows, trial));
        }
        var lanes = TLanes.Count;
        var fromLower = TLanes.Broadcast(int.MaxValue);
        var fromUpper = TLanes.Broadcast(int.MinValue);
        for (var i = 0; i < rows; i++)
            search.Extract(TLanes.Load(ref Unsafe.Add(ref keys, i * lanes)), ref fromLower, ref fromUpper);
        return search.Result(fromLower, fromUpper);
    }

    /// <summary>Two ranks at once: each pass loads a row once for both trial keys.</summary>
    private static (TVector First, TVector Last) SelectTwo<TLanes, TVector, TSums>(ref int keys, int rows, int first, int last)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        var low = new RankSearch<TLanes, TVector, TSums>(rows, first);
        var high = new RankSearch<TLanes, TVector, TSums>(rows, last);
        for (var bit = 31; bit >= 0 && !(low.Settled && high.Settled); bit--)
        {
            var lowTrial = low.Trial(bit);
            var highTrial = high.Trial(bit);
            // Two accumulators per rank, as in CountBelow.
            var lowDown = TLanes.Broadcast(0);
            var highDown = lowDown;
            var lowDownOdd = lowDown;
            var highDownOdd = lowDown;
            var i = 0;
            for (; i + 2 <= rows; i += 2)
            {
                var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
                var next = TLanes.Load(ref Unsafe.Add(ref keys, (i + 1) * lanes));
                lowDown = TLanes.CountDownIfLess(lowDown, key, lowTrial);
                highDown = TLanes.CountDownIfLess(highDown, key, highTrial);
                lowDownOdd = TLanes.CountDownIfLess(lowDownOdd, next, lowTrial);
                highDownOdd = TLanes.CountDownIfLess(highDownOdd, next, highTrial);
            }
            if (i < rows)
            {
                var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
                lowDown = TLanes.CountDownIfLess(lowDown, key, lowTrial);
                highDown = TLanes.CountDownIfLess(highDown, key, highTrial);
            }
            var zero = TLanes.Broadcast(0);
            low.Narrow(lowTrial, TLanes.Subtract(zero, TLanes.Add(lowDown, lowDownOdd)));
            high.Narrow(highTrial, TLanes.Subtract(zero, TLanes.Add(highDown, highDownOdd)));
        }
        var lowFromLower = TLanes.Broadcast(int.MaxValue);
        var lowFromUpper = TLanes.Broadcast(int.MinValue);
        var highFromLower = lowFromLower;
        var highFromUpper = lowFromUpper;
        for (var i = 0; i < rows; i++)
        {
            var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
            low.Extract(key, ref lowFromLower, ref lowFromUpper);
            high.Extract(key, ref highFromLower, ref highFromUpper);
        }
        return (low.Result(lowFromLower, lowFromUpper), high.Result(highFromLower, highFromUpper));
    }

    /// <summary>
    /// The bounds of one rank's bitwise search, per lane: every key of rank k is at least <c>lower</c> and below
    /// <c>upper</c>, with <c>belowLower</c> &lt;= k &lt; <c>belowUpper</c> keys below each.
    /// </summary>
    private struct RankSearch<TLanes, TVector, TSums>
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        private readonly TVector _rank;
        private readonly TVector _rankPlusOne;
        private TVector _lower;
        private TVector _belowLower;
        private TVector _upper;
        private TVector _belowUpper;
        private bool _bitsExhausted;

        public RankSearch(int rows, int k)
        {
            _rank = TLanes.Broadcast(k);
            _rankPlusOne = TLanes.Broadcast(k + 1);
            _lower = TLanes.Broadcast(int.MinValue);
            _belowLower = TLanes.Broadcast(0);
            // The key int.MaxValue is a NaN's, which never reaches a kernel: every key lies below it.
            _upper = TLanes.Broadcast(int.MaxValue);
            _belowUpper = TLanes.Broadcast(rows);
        }

        /// <summary>Whether every lane's key can be read off by <see cref="Extract"/>.</summary>
        public readonly bool Settled => _bitsExhausted || TLanes.All(TLanes.Or(TLanes.Equal(_belowLower, _rank), TLanes.Equal(_belowUpper, _rankPlusOne)));

        /// <summary>The lower bound with one more bit set (a flip, since keys are offset by the sign bit).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Trial(int bit)
        {
            _bitsExhausted = bit == 0;
            return TLanes.Xor(_lower, TLanes.Broadcast(1 << bit));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Narrow(TVector trial, TVector below)
        {
            var keep = TLanes.LessThanOrEqual(below, _rank);
            _lower = TLanes.Select(keep, trial, _lower);
            _belowLower = TLanes.Select(keep, below, _belowLower);
            _upper = TLanes.Select(keep, _upper, trial);
            _belowUpper = TLanes.Select(keep, _belowUpper, below);
        }

        /// <summary>Folds one row into the smallest key at or above the lower bound and the largest below the upper.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Extract(TVector key, ref TVector fromLower, ref TVector fromUpper)
        {
            var belowLower = TLanes.LessThan(key, _lower);
            fromLower = TLanes.Min(fromLower, TLanes.Select(belowLower, TLanes.Broadcast(int.MaxValue), key));
            fromUpper = TLanes.Max(fromUpper, TLanes.Select(TLanes.LessThan(key, _upper), key, TLanes.Broadcast(int.MinValue)));
        }

        /// <summary>
        /// After all 32 bits the lower bound is the key itself (and the smallest key at or above it); before, a lane
        /// is settled by one of its two counts.
        /// </summary>
        public readonly TVector Result(TVector fromLower, TVector fromUpper) =>
            _bitsExhausted ? fromLower : TLanes.Select(TLanes.Equal(_belowLower, _rank), fromLower, fromUpper);
    }

    /// <summary>Per lane, how many of the rows' keys lie below <paramref name="bound"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector CountBelow<TLanes, TVector, TSums>(ref int keys, int rows, TVector bound)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        // Four accumulators: the adds of consecutive rows do not wait on each other.
        var down0 = TLanes.Broadcast(0);
        var down1 = down0;
        var down2 = down0;
        var down3 = down0;
        var i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            ref var row = ref Unsafe.Add(ref keys, i * lanes);
            down0 = TLanes.CountDownIfLess(down0, TLanes.Load(ref row), bound);
            down1 = TLanes.CountDownIfLess(down1, TLanes.Load(ref Unsafe.Add(ref row, lanes)), bound);
            down2 = TLanes.CountDownIfLess(down2, TLanes.Load(ref Unsafe.Add(ref row, 2 * lanes)), bound);
            down3 = TLanes.CountDownIfLess(down3, TLanes.Load(ref Unsafe.Add(ref row, 3 * lanes)), bound);
        }
        for (; i < rows; i++)
            down0 = TLanes.CountDownIfLess(down0, TLanes.Load(ref Unsafe.Add(ref keys, i * lanes)), bound);
        return TLanes.Subtract(TLanes.Broadcast(0), TLanes.Add(TLanes.Add(down0, down1), TLanes.Add(down2, down3)));
    }

    /// <summary>
    /// Per lane, the key of rank k + 1 given the key of rank k: the same key when more than k + 1 keys are at most it
    /// (a tie), else the smallest key above it.
    /// </summary>
    private static TVector Successor<TLanes, TVector, TSums>(ref int keys, int rows, TVector keyOfRank, int k)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        var next = TLanes.Broadcast(int.MaxValue);
        var aboveDown = TLanes.Broadcast(0);
        for (var i = 0; i < rows; i++)
        {
            var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
            var above = TLanes.GreaterThan(key, keyOfRank);
            next = TLanes.Min(next, TLanes.Select(above, key, TLanes.Broadcast(int.MaxValue)));
            aboveDown = TLanes.Add(aboveDown, above);
        }
        var atMost = TLanes.Add(TLanes.Broadcast(rows), aboveDown);
        return TLanes.Select(TLanes.GreaterThan(atMost, TLanes.Broadcast(k + 1)), keyOfRank, next);
    }

    /// <summary>
    /// Per lane, sums[c] = the values with keys strictly between the bounds, summed in double in row order; returns
    /// how many keys are at most the low bound and how many are below the high bound.
    /// </summary>
    private static (TVector AtMostLow, TVector BelowHigh) SumBetween<TLanes, TVector, TSums>(ref int keys, int rows, TVector lowKey,
        TVector highKey, Span<double> sums)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        var sum = default(TSums);
        var atMostLowDown = TLanes.Broadcast(0);
        var belowHighDown = atMostLowDown;
        for (var i = 0; i < rows; i++)
        {
            var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
            var atMostLow = TLanes.LessThanOrEqual(key, lowKey);
            var belowHigh = TLanes.LessThan(key, highKey);
            atMostLowDown = TLanes.Add(atMostLowDown, atMostLow);
            belowHighDown = TLanes.Add(belowHighDown, belowHigh);
            sum = TLanes.AddValues(sum, key, TLanes.Select(atMostLow, TLanes.Broadcast(0), belowHigh));
        }
        TLanes.StoreSums(sum, ref MemoryMarshal.GetReference(sums));
        var zero = TLanes.Broadcast(0);
        return (TLanes.Subtract(zero, atMostLowDown), TLanes.Subtract(zero, belowHighDown));
    }
}
