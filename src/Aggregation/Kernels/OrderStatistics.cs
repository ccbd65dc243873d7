using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Wide = FedActors.Aggregation.Kernels.OrderStatistics.RankSearch<FedActors.Aggregation.Kernels.Keys512, System.Runtime.Intrinsics.Vector512<int>, (System.Runtime.Intrinsics.Vector512<double>, System.Runtime.Intrinsics.Vector512<double>)>;

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
/// pass. The search stops as soon as every lane's rank can be read off in one more pass, usually after 14 to 16 bits
/// on gradients, and with AVX-512 those first sixteen bits run on 16-bit halves of the keys, 32 coordinates per
/// vector (<see cref="HalfSearch"/>), the first seven of them, for up to 255 rows, on bytes, a whole 64-column tile
/// per vector (<see cref="ByteSearch"/>). A count is a compare and an add (or subtraction) of its result. Why counting rather than sorting: a counting pass is a load, a compare and an add per row, with no store and
/// no data-dependent branch, where each compare-exchange of a sorting network stores both of its outputs; and the
/// work is the same for ties, outliers at 1e30 or constant columns. Measured against Batcher's network (up to 1024
/// rows) and transpose + introselect (above), which this replaced: about 2x faster at n = 200 and 2-3x at n = 2000
/// (docs/PERFORMANCE.md).</para>
/// <para>Each lane is a coordinate and lanes never mix, so a coordinate's value depends on its column alone: not on
/// the vector width, the range or the shard. The two middle values of a median are averaged in double (exactly
/// invariant to permuting rows). A wider band is the values strictly between the two bounds, summed in double in row
/// order, plus the tied copies of the bounds that fall inside the ranks (summed with them where the searches' counts
/// say every copy of a bound is kept, added after otherwise): a double holds the sum of up to a thousand floats
/// exactly unless their magnitudes span more than about 2^29, so permuting the rows changes the result only in that
/// case, and then by a rounding of the double sum.</para>
/// <para>Given non-empty <c>low</c> and <c>high</c> spans, the values of ranks first and last are also written per
/// coordinate: the band of kept values of <see cref="IKeptBandRule"/>. Given a non-empty <c>kept</c> span, each row's
/// count of coordinates whose key lies in the band is counted too, while the group is still in the first-level cache
/// (in key order, so a -0 below a band starting at +0 is not kept).</para>
/// </remarks>
internal static class OrderStatistics
{
    /// <summary>Columns copied per tile: four 64-byte lines of each row read together, a multiple of every lane count.</summary>
    private const int TileColumns = 64;

    public static void AverageOfRanks(GradientMatrix matrix, CoordinateRange range, int first, int last, Span<float> output,
        AggregationWorkspace workspace, Span<float> low = default, Span<float> high = default, Span<double> kept = default)
    {
        CheckRanks(matrix.Rows, first, last);
        var band = CheckBand(range, low, high);
        if (!kept.IsEmpty && kept.Length != matrix.Rows)
            throw new ArgumentException($"kept counts have {kept.Length} entries, the matrix {matrix.Rows} rows", nameof(kept));
        if (Vector512.IsHardwareAccelerated)
            Run<Keys512, Vector512<int>, (Vector512<double>, Vector512<double>)>(matrix, range, first, last, output, workspace, low, high, band, kept);
        else if (Vector256.IsHardwareAccelerated)
            Run<Keys256, Vector256<int>, (Vector256<double>, Vector256<double>)>(matrix, range, first, last, output, workspace, low, high, band, kept);
        else
            Run<Keys128, Vector128<int>, (Vector128<double>, Vector128<double>)>(matrix, range, first, last, output, workspace, low, high, band, kept);
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
        AggregationWorkspace workspace, Span<float> low, Span<float> high, bool band, Span<double> keptCounts)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        var rows = matrix.Rows;
        var tileKeys = TileColumns * rows;
        var counting = !keptCounts.IsEmpty;
        var floats = workspace.Floats(tileKeys + 4 * lanes + (counting ? rows : 0));
        // Integer counts while counting (an int add per row; a double add would convert every time), doubles at the end.
        var keptInts = MemoryMarshal.Cast<float, int>(floats.Slice(tileKeys + 4 * lanes, counting ? rows : 0));
        keptInts.Clear();
        var keys = MemoryMarshal.Cast<float, int>(floats[..tileKeys]);
        var lowValues = floats.Slice(tileKeys, lanes);
        var highValues = floats.Slice(tileKeys + lanes, lanes);
        var atMostLowCounts = MemoryMarshal.Cast<float, int>(floats.Slice(tileKeys + 2 * lanes, lanes));
        var belowHighCounts = MemoryMarshal.Cast<float, int>(floats.Slice(tileKeys + 3 * lanes, lanes));
        // The 16-bit first phase needs AVX-512BW's 32 lanes of 16 bits, and counts below 2^15.
        var halves = typeof(TLanes) == typeof(Keys512) && HalfSearch.Supported && rows < short.MaxValue;
        // The 7-bit phase before it counts in unsigned bytes.
        var bytes = halves && rows <= byte.MaxValue;
        var doubles = workspace.Doubles(lanes + (halves ? TileColumns * rows / 4 : 0) + (bytes ? TileColumns * rows / 8 : 0));
        var sums = doubles[..lanes];
        var halfKeys = MemoryMarshal.Cast<double, short>(doubles.Slice(lanes, halves ? TileColumns * rows / 4 : 0));
        var byteKeys = MemoryMarshal.Cast<double, sbyte>(doubles.Slice(lanes + halfKeys.Length / 4, bytes ? TileColumns * rows / 8 : 0));
        HalfSearch.Start firstPair = default, secondPair = default;
        ByteSearch.Guess lowGuess = default, highGuess = default;
        var kept = last - first + 1;
        // A median needs one search (its upper middle value is the next key up); a wider band searches both bounds.
        var twoSearches = last > first + 1;
        var prefetch = default(TilePrefetch);
        RankSearch<TLanes, TVector, TSums> lowOfOdd = default, highOfOdd = default;
        for (var offset = 0; offset < range.Length; offset += lanes)
        {
            var columns = Math.Min(lanes, range.Length - offset);
            var inTile = offset % TileColumns;
            if (inTile == 0)
            {
                prefetch.Finish();
                var tileColumns = Math.Min(TileColumns, range.Length - offset);
                if (halves && tileColumns == TileColumns)
                {
                    HalfSearch.LoadKeysAndHalves(matrix, range.Start + offset, keys, halfKeys, byteKeys);
                    if (bytes)
                        ByteSearch.Run(ref MemoryMarshal.GetReference(byteKeys), rows, first, twoSearches ? last : -1, ref prefetch,
                            ref lowGuess, ref highGuess, out firstPair, out secondPair);
                    else
                        firstPair = secondPair = HalfSearch.Start.Fresh(rows, first, twoSearches ? last : -1);
                }
                else
                {
                    LoadKeys<TLanes, TVector, TSums>(matrix, range.Start + offset, tileColumns, keys);
                    if (halves)
                    {
                        HalfSearch.LoadHalves(keys, rows, halfKeys);
                        firstPair = secondPair = HalfSearch.Start.Fresh(rows, first, twoSearches ? last : -1);
                    }
                }
                // Past the range's end too: the pool calls this one block at a time, and each block's first tile would
                // otherwise come from memory.
                var next = range.Start + offset + TileColumns;
                prefetch = new TilePrefetch(matrix, next, Math.Min(TileColumns, matrix.Columns - next), TileColumns / lanes);
            }
            ref var origin = ref MemoryMarshal.GetReference(keys[(inTile * rows)..]);
            RankSearch<TLanes, TVector, TSums> lowSearch = default, highSearch = default;
            if (!halves)
            {
                lowSearch = new RankSearch<TLanes, TVector, TSums>(rows, first);
                highSearch = twoSearches ? new RankSearch<TLanes, TVector, TSums>(rows, last) : default;
            }
            else if (inTile / lanes % 2 == 0)
            {
                // A pair of groups goes through the first sixteen bits together; the odd group's searches wait.
                ref var pair = ref MemoryMarshal.GetReference(halfKeys[(inTile / (2 * lanes) * rows * 2 * lanes)..]);
                HalfSearch.Run(ref pair, rows, first, twoSearches ? last : -1, inTile == 0 ? firstPair : secondPair, ref prefetch,
                    out Unsafe.As<RankSearch<TLanes, TVector, TSums>, RankSearch<Keys512, Vector512<int>, (Vector512<double>, Vector512<double>)>>(ref lowSearch),
                    out Unsafe.As<RankSearch<TLanes, TVector, TSums>, RankSearch<Keys512, Vector512<int>, (Vector512<double>, Vector512<double>)>>(ref lowOfOdd),
                    out Unsafe.As<RankSearch<TLanes, TVector, TSums>, RankSearch<Keys512, Vector512<int>, (Vector512<double>, Vector512<double>)>>(ref highSearch),
                    out Unsafe.As<RankSearch<TLanes, TVector, TSums>, RankSearch<Keys512, Vector512<int>, (Vector512<double>, Vector512<double>)>>(ref highOfOdd));
            }
            else
            {
                lowSearch = lowOfOdd;
                highSearch = highOfOdd;
            }
            TVector lowKey;
            TVector highKey;
            if (first == last)
                highKey = lowKey = Select(ref origin, rows, ref lowSearch, ref prefetch);
            else if (last == first + 1)
            {
                lowKey = Select(ref origin, rows, ref lowSearch, ref prefetch);
                highKey = Successor<TLanes, TVector, TSums>(ref origin, rows, lowKey, first);
            }
            else
                (lowKey, highKey) = SelectTwo(ref origin, rows, ref lowSearch, ref highSearch, ref prefetch);
            TLanes.StoreValues(lowKey, ref MemoryMarshal.GetReference(lowValues));
            TLanes.StoreValues(highKey, ref MemoryMarshal.GetReference(highValues));

            if (kept == 1)
                lowValues[..columns].CopyTo(output.Slice(offset, columns));
            else if (kept == 2)
                MiddleMeans(lowValues[..columns], highValues, output.Slice(offset, columns));
            else
            {
                var counted = lowSearch.Counted && highSearch.Counted;
                var (atMostLow, belowHigh) = SumBand<TLanes, TVector, TSums>(ref origin, rows, lowKey, highKey,
                    counted ? lowSearch.RankIsBelow : TLanes.Broadcast(0), counted ? highSearch.RankIsBelow : TLanes.Broadcast(-1),
                    !counted, first, last, sums, columns, keptInts);
                TLanes.Store(atMostLow, ref MemoryMarshal.GetReference(atMostLowCounts));
                TLanes.Store(belowHigh, ref MemoryMarshal.GetReference(belowHighCounts));
                BandMeans(sums[..columns], atMostLowCounts, belowHighCounts, lowValues, highValues, first, last, output.Slice(offset, columns));
            }
            if (band)
            {
                lowValues[..columns].CopyTo(low.Slice(offset, columns));
                highValues[..columns].CopyTo(high.Slice(offset, columns));
            }
            // A wider band was counted in SumBand's pass.
            if (counting && kept <= 2)
                CountKept<TLanes, TVector, TSums>(ref origin, rows, lowKey, highKey, columns, keptInts);
        }
        for (var i = 0; i < keptInts.Length; i++)
            keptCounts[i] = keptInts[i];
    }

    /// <summary>
    /// Copies the keys of columns [start, start + columns) into <paramref name="keys"/>, one group of
    /// <c>lanes</c> columns after another, each group row by row: keys[(g * rows + i) * lanes + c] = key of
    /// x[i, start + g * lanes + c]. Lanes past the last column get key 0 and are never read.
    /// </summary>
    private static void LoadKeys<TLanes, TVector, TSums>(GradientMatrix matrix, int start, int columns, Span<int> keys)
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
        for (var i = 0; i < rows; i++)
        {
            ref var row = ref Unsafe.Add(ref origin, i * stride + start);
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
    /// The lines of the next tile, prefetched a few at a time between the counting passes of this one. A tile's n rows
    /// are n places in memory far apart, which no hardware prefetcher follows, so without this every tile waits for
    /// its copy to come from memory while the passes leave memory idle. Prefetching the whole next tile at once
    /// stalls as well, on the few misses a core can have in flight; spread over the passes it costs little (one core,
    /// median of 200 x 10^5, measured under load: 40 ms with no prefetch, 28 ms spread over the passes).
    /// </summary>
    private unsafe ref struct TilePrefetch
    {
        /// <summary>Passes a group takes at least, in practice; rows left over when a tile ends go out together.</summary>
        private const int PassesPerGroup = 4;

        private const int LineFloats = AlignedMemory.AlignmentBytes / sizeof(float);

        private readonly nint _stride;
        private readonly int _linesPerRow;
        private readonly int _rows;
        private readonly int _rowsPerPass;
        private int _issued;
        private float* _next;

        public TilePrefetch(GradientMatrix matrix, int start, int columns, int groups)
        {
            if (!Sse.IsSupported || columns <= 0)
                return;
            _next = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref Unsafe.AsRef(in matrix.Origin), start));
            _stride = matrix.RowStride;
            _linesPerRow = (columns + LineFloats - 1) / LineFloats;
            _rows = matrix.Rows;
            _rowsPerPass = (_rows + groups * PassesPerGroup - 1) / (groups * PassesPerGroup);
        }

        /// <summary>Prefetches this pass's share of the rows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Some() => Issue(_rowsPerPass);

        /// <summary>Prefetches every row not yet prefetched.</summary>
        public void Finish() => Issue(_rows - _issued);

        private void Issue(int count)
        {
            var end = Math.Min(_rows, _issued + count);
            for (; _issued < end; _issued++, _next += _stride)
            {
                // Into the second-level cache: a whole tile is more than the first level holds besides the group
                // being counted.
                for (var line = 0; line < _linesPerRow; line++)
                    Sse.Prefetch1(_next + line * LineFloats);
            }
        }
    }

    /// <summary>
    /// Per lane, the key of rank k. Bit by bit, a trial key is kept as the lower bound when at most k keys lie below
    /// it and becomes the upper bound otherwise. Most of the 32 passes are not needed: as soon as, in every lane,
    /// exactly k keys lie below the lower bound (rank k is the smallest key at or above it) or exactly k + 1 below the
    /// upper bound (rank k is the largest key below it), one extraction pass reads the key off. On gradients that
    /// happens once the bounds are closer than the gap between neighbouring values, typically after 14 to 16 bits.
    /// </summary>
    private static TVector Select<TLanes, TVector, TSums>(ref int keys, int rows, ref RankSearch<TLanes, TVector, TSums> search,
        ref TilePrefetch prefetch)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        while (!search.Settled)
        {
            var trial = search.Trial();
            prefetch.Some();
            search.Narrow(trial, CountBelow<TLanes, TVector, TSums>(ref keys, rows, trial));
        }
        return search.Extract(ref keys, rows);
    }

    /// <summary>Two ranks at once: each pass loads a row once for both trial keys.</summary>
    private static (TVector First, TVector Last) SelectTwo<TLanes, TVector, TSums>(ref int keys, int rows,
        ref RankSearch<TLanes, TVector, TSums> low, ref RankSearch<TLanes, TVector, TSums> high, ref TilePrefetch prefetch)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        // While both search, one pass over the rows serves both; the one left over finishes alone in Select. A settled
        // search stays settled (a trial could only move its bound to a key with the same count below it), so it needs
        // no more trials, and its result does not depend on how many bits it decided.
        while (!low.Settled && !high.Settled)
        {
            prefetch.Some();
            var lowTrial = low.Trial();
            var highTrial = high.Trial();
            // Two counts per rank, as in CountBelow.
            var lowBelow = TLanes.Broadcast(0);
            var highBelow = lowBelow;
            var lowBelowOdd = lowBelow;
            var highBelowOdd = lowBelow;
            var i = 0;
            for (; i + 2 <= rows; i += 2)
            {
                var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
                var next = TLanes.Load(ref Unsafe.Add(ref keys, (i + 1) * lanes));
                lowBelow = TLanes.CountIf(lowBelow, TLanes.LessThan(key, lowTrial));
                highBelow = TLanes.CountIf(highBelow, TLanes.LessThan(key, highTrial));
                lowBelowOdd = TLanes.CountIf(lowBelowOdd, TLanes.LessThan(next, lowTrial));
                highBelowOdd = TLanes.CountIf(highBelowOdd, TLanes.LessThan(next, highTrial));
            }
            if (i < rows)
            {
                var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
                lowBelow = TLanes.CountIf(lowBelow, TLanes.LessThan(key, lowTrial));
                highBelow = TLanes.CountIf(highBelow, TLanes.LessThan(key, highTrial));
            }
            low.Narrow(lowTrial, TLanes.Add(lowBelow, lowBelowOdd));
            high.Narrow(highTrial, TLanes.Add(highBelow, highBelowOdd));
        }
        if (!(low.Settled && high.Settled))
            return (Select(ref keys, rows, ref low, ref prefetch), Select(ref keys, rows, ref high, ref prefetch));
        // Usually both are settled by now (most often in the first sixteen bits): one pass reads both off.
        return low.ExtractWith(high, ref keys, rows);
    }

    /// <summary>
    /// The bounds of one rank's bitwise search, per lane: every key of rank k is at least <c>lower</c> and below
    /// <c>upper</c>, with <c>belowLower</c> &lt;= k &lt; <c>belowUpper</c> keys below each.
    /// </summary>
    internal struct RankSearch<TLanes, TVector, TSums>
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

        /// <summary>The bit the next trial decides; -1 once all 32 are decided. The lower bound's bits below it are 0.</summary>
        private int _bit;

        public RankSearch(int rows, int k)
            // The key int.MaxValue is a NaN's, which never reaches a kernel: every key lies below it.
            : this(k, TLanes.Broadcast(int.MinValue), TLanes.Broadcast(0), TLanes.Broadcast(int.MaxValue), TLanes.Broadcast(rows), 31)
        {
        }

        /// <summary>A search whose bits above <paramref name="bit"/> are decided already (<see cref="HalfSearch"/>).</summary>
        public RankSearch(int k, TVector lower, TVector belowLower, TVector upper, TVector belowUpper, int bit)
        {
            _rank = TLanes.Broadcast(k);
            _rankPlusOne = TLanes.Broadcast(k + 1);
            _lower = lower;
            _belowLower = belowLower;
            _upper = upper;
            _belowUpper = belowUpper;
            _bit = bit;
        }

        /// <summary>Whether every lane's key can be read off by <see cref="Extract"/>.</summary>
        public readonly bool Settled => _bit < 0 || TLanes.All(TLanes.Or(TLanes.Equal(_belowLower, _rank), TLanes.Equal(_belowUpper, _rankPlusOne)));

        /// <summary>
        /// Whether every lane settled on one of its counts rather than by deciding all 32 bits (which ties at the rank
        /// can force); then each lane knows, for the key <see cref="Extract"/> reads off, either that exactly k keys lie
        /// below it (<see cref="RankIsBelow"/>) or that exactly k + 1 lie at or below it.
        /// </summary>
        public readonly bool Counted => _bit >= 0;

        /// <summary>Per lane, whether exactly k keys lie below the result; meaningful when <see cref="Counted"/>.</summary>
        public readonly TVector RankIsBelow => TLanes.Equal(_belowLower, _rank);

        /// <summary>The lower bound with the next bit set (a flip for the sign bit, since keys are signed).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Trial() => TLanes.Xor(_lower, TLanes.Broadcast(1 << _bit--));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Narrow(TVector trial, TVector below)
        {
            var keep = TLanes.LessThanOrEqual(below, _rank);
            _lower = TLanes.Select(keep, trial, _lower);
            _belowLower = TLanes.Select(keep, below, _belowLower);
            _upper = TLanes.Select(keep, _upper, trial);
            _belowUpper = TLanes.Select(keep, _belowUpper, below);
        }

        /// <summary>
        /// Per lane, the key of rank k, read off in one pass over the rows once the search is settled: the smallest key
        /// at or above the lower bound where exactly k keys lie below that bound (or all 32 bits are decided, the bound
        /// then being the key), else the largest key below the upper bound, below which k + 1 lie. The largest is taken
        /// as the smallest of the flipped keys (~key reverses the order), so a row costs a flip, a compare and a masked
        /// min whichever a lane needs, where taking both and choosing after cost a compare and a masked max more.
        /// </summary>
        public readonly TVector Extract(ref int keys, int rows)
        {
            var lanes = TLanes.Count;
            var (flip, bound) = Target();
            var found = TLanes.Broadcast(int.MaxValue);
            for (var i = 0; i < rows; i++)
            {
                var key = TLanes.Xor(TLanes.Load(ref Unsafe.Add(ref keys, i * lanes)), flip);
                // A select of the min, not a min of a select: AVX-512 folds it into one masked min.
                found = TLanes.Select(TLanes.LessThanOrEqual(bound, key), TLanes.Min(found, key), found);
            }
            return TLanes.Xor(found, flip);
        }

        /// <summary><see cref="Extract"/> of this search and another in one pass over the rows.</summary>
        public readonly (TVector Key, TVector OtherKey) ExtractWith(in RankSearch<TLanes, TVector, TSums> other, ref int keys, int rows)
        {
            var lanes = TLanes.Count;
            var (flip, bound) = Target();
            var (otherFlip, otherBound) = other.Target();
            var found = TLanes.Broadcast(int.MaxValue);
            var otherFound = found;
            for (var i = 0; i < rows; i++)
            {
                var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
                var flipped = TLanes.Xor(key, flip);
                var otherFlipped = TLanes.Xor(key, otherFlip);
                found = TLanes.Select(TLanes.LessThanOrEqual(bound, flipped), TLanes.Min(found, flipped), found);
                otherFound = TLanes.Select(TLanes.LessThanOrEqual(otherBound, otherFlipped), TLanes.Min(otherFound, otherFlipped), otherFound);
            }
            return (TLanes.Xor(found, flip), TLanes.Xor(otherFound, otherFlip));
        }

        /// <summary>
        /// All ones in the lanes that take the largest key below the upper bound, and per lane the least (flipped) key
        /// it may take: key &lt; upper exactly when ~key &gt;= ~(upper - 1) = -upper (upper is above some key, so
        /// above int.MinValue, and -upper does not overflow).
        /// </summary>
        private readonly (TVector Flip, TVector Bound) Target()
        {
            var flip = _bit < 0 ? TLanes.Broadcast(0) : TLanes.Xor(TLanes.Equal(_belowLower, _rank), TLanes.Broadcast(-1));
            return (flip, TLanes.Select(flip, TLanes.Subtract(TLanes.Broadcast(0), _upper), _lower));
        }
    }

    /// <summary>
    /// The first sixteen bits of the searches (or the nine after <see cref="ByteSearch"/>'s seven), on the keys' upper
    /// halves: 32 lanes of 16 bits per vector instead of 16 of 32, so each counting pass costs half as much, and most
    /// searches settle within these bits. key &gt;&gt; 16
    /// keeps the order of keys (ties aside) and #(key &lt; t &lt;&lt; 16) = #(key &gt;&gt; 16 &lt; t), so the bounds
    /// and counts handed on to the 32-bit searches are exact. Lanes 0-15 of a half vector are an even group of 16
    /// coordinates, lanes 16-31 the next group.
    /// </summary>
    private static class HalfSearch
    {
        public static bool Supported => Vector512.IsHardwareAccelerated && Avx512BW.IsSupported;

        /// <summary>
        /// <see cref="LoadKeys"/> and <see cref="LoadHalves"/> of a whole tile in one sweep, the halves cut from the keys
        /// while they are in registers rather than read back.
        /// </summary>
        public static void LoadKeysAndHalves(GradientMatrix matrix, int start, Span<int> keys, Span<short> halves, Span<sbyte> bytes)
        {
            var withBytes = !bytes.IsEmpty;
            const int lanes = 16;
            var rows = matrix.Rows;
            var stride = (nint)matrix.RowStride;
            ref var origin = ref Unsafe.AsRef(in matrix.Origin);
            ref var keysOut = ref MemoryMarshal.GetReference(keys[..(TileColumns * rows)]);
            ref var halvesOut = ref MemoryMarshal.GetReference(halves[..(TileColumns * rows)]);
            for (var i = 0; i < rows; i++)
            {
                ref var row = ref Unsafe.Add(ref origin, i * stride + start);
                var first = Load(ref row, ref keysOut, ref halvesOut, rows, i, 0);
                var second = Load(ref row, ref keysOut, ref halvesOut, rows, i, 1);
                if (withBytes)
                    ByteSearch.Narrow(first, second).StoreUnsafe(ref MemoryMarshal.GetReference(bytes), (nuint)(i * 4 * lanes));
            }
        }

        /// <summary>Keys and halves of row i's columns of pair p; returns the halves.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<short> Load(ref float row, ref int keysOut, ref short halvesOut, int rows, int i, int pair)
        {
            const int lanes = 16;
            var even = Keys512.KeysOf(ref Unsafe.Add(ref row, 2 * pair * lanes));
            var odd = Keys512.KeysOf(ref Unsafe.Add(ref row, (2 * pair + 1) * lanes));
            even.StoreUnsafe(ref keysOut, (nuint)((2 * pair * rows + i) * lanes));
            odd.StoreUnsafe(ref keysOut, (nuint)(((2 * pair + 1) * rows + i) * lanes));
            var halves = Halves(even, odd);
            halves.StoreUnsafe(ref halvesOut, (nuint)((pair * rows + i) * 2 * lanes));
            return halves;
        }

        /// <summary>The upper halves of two groups' keys, the even group in lanes 0-15.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<short> Halves(Vector512<int> even, Vector512<int> odd) =>
            Vector512.Narrow(Vector512.ShiftRightArithmetic(even, 16), Vector512.ShiftRightArithmetic(odd, 16));

        /// <summary>A pair's searches at the start of the 16-bit phase: fresh, or handed on by <see cref="ByteSearch"/>.</summary>
        public readonly record struct Start(Bounds Low, Bounds High)
        {
            public static Start Fresh(int rows, int first, int last) => new(new Bounds(rows, first), new Bounds(rows, Math.Max(last, 0)));
        }

        /// <summary>halves[(p * rows + i) * 32 + c] = the upper half of key (2p + c / 16, row i, lane c % 16) of the tile.</summary>
        public static void LoadHalves(ReadOnlySpan<int> keys, int rows, Span<short> halves)
        {
            ref var source = ref MemoryMarshal.GetReference(keys);
            ref var destination = ref MemoryMarshal.GetReference(halves);
            const int lanes = 16;
            for (var pair = 0; pair < TileColumns / (2 * lanes); pair++)
            {
                for (var i = 0; i < rows; i++)
                {
                    var even = Vector512.LoadUnsafe(ref source, (nuint)((2 * pair * rows + i) * lanes));
                    var odd = Vector512.LoadUnsafe(ref source, (nuint)(((2 * pair + 1) * rows + i) * lanes));
                    Halves(even, odd).StoreUnsafe(ref destination, (nuint)((pair * rows + i) * 2 * lanes));
                }
            }
        }

        /// <summary>
        /// Runs the searches for rank <paramref name="first"/> (and <paramref name="last"/> unless it is -1) over the
        /// upper halves of a pair of groups, in step, and hands each group its 32-bit searches, to continue at bit 15.
        /// </summary>
        public static void Run(ref short halves, int rows, int first, int last, Start start, ref TilePrefetch prefetch,
            out Wide lowOfEven, out Wide lowOfOdd, out Wide highOfEven, out Wide highOfOdd)
        {
            var low = start.Low;
            var high = start.High;
            var two = last >= 0;
            NarrowCounts.Search(ref halves, rows, ref low, ref high, two, ref prefetch);
            low.Widen(first, out lowOfEven, out lowOfOdd);
            high.Widen(Math.Max(last, 0), out highOfEven, out highOfOdd);
        }

        /// <summary><see cref="RankSearch{TLanes, TVector, TSums}"/> on 16-bit halves, for bits 15..0 of the halves.</summary>
        public struct Bounds : INarrowBounds<short>
        {
            private readonly Vector512<short> _rank;
            private readonly Vector512<short> _rankPlusOne;
            private Vector512<short> _lower;
            private Vector512<short> _belowLower;
            private Vector512<short> _upper;
            private Vector512<short> _belowUpper;
            private int _bit;

            public Bounds(int rows, int k)
                // The upper half 0x7fff belongs to NaNs only; every finite or infinite key lies below 0x7fff << 16.
                : this(k, Vector512.Create(short.MinValue), Vector512<short>.Zero, Vector512.Create(short.MaxValue), Vector512.Create((short)rows), 15)
            {
            }

            /// <summary>Bounds whose bits above <paramref name="bit"/> are decided already.</summary>
            public Bounds(int k, Vector512<short> lower, Vector512<short> belowLower, Vector512<short> upper, Vector512<short> belowUpper, int bit)
            {
                _rank = Vector512.Create((short)k);
                _rankPlusOne = Vector512.Create((short)(k + 1));
                _lower = lower;
                _belowLower = belowLower;
                _upper = upper;
                _belowUpper = belowUpper;
                _bit = bit;
            }

            public readonly bool Settled => _bit < 0
                || Vector512.EqualsAll(Vector512.Equals(_belowLower, _rank) | Vector512.Equals(_belowUpper, _rankPlusOne), Vector512<short>.AllBitsSet);

            public Vector512<short> Trial() => _lower ^ Vector512.Create((short)(1 << _bit--));

            public void Narrow(Vector512<short> trial, Vector512<short> below)
            {
                var keep = Vector512.LessThanOrEqual(below, _rank);
                _lower = Vector512.ConditionalSelect(keep, trial, _lower);
                _belowLower = Vector512.ConditionalSelect(keep, below, _belowLower);
                _upper = Vector512.ConditionalSelect(keep, _upper, trial);
                _belowUpper = Vector512.ConditionalSelect(keep, _belowUpper, below);
            }

            /// <summary>The same bounds on whole keys, per group, continuing at the bit after the last one decided here.</summary>
            public readonly void Widen(int k, out Wide even, out Wide odd)
            {
                var (lowerEven, lowerOdd) = Vector512.Widen(_lower);
                var (belowLowerEven, belowLowerOdd) = Vector512.Widen(_belowLower);
                var (upperEven, upperOdd) = Vector512.Widen(_upper);
                var (belowUpperEven, belowUpperOdd) = Vector512.Widen(_belowUpper);
                even = new Wide(k, lowerEven << 16, belowLowerEven, upperEven << 16, belowUpperEven, _bit + 16);
                odd = new Wide(k, lowerOdd << 16, belowLowerOdd, upperOdd << 16, belowUpperOdd, _bit + 16);
            }
        }
    }

    /// <summary>
    /// The first seven bits of the searches, before <see cref="HalfSearch"/>: key &gt;&gt; 25 fits a signed byte, so a
    /// vector holds a whole tile's 64 coordinates and each of these passes costs half of a 16-bit one. The counts are
    /// unsigned bytes, so this phase needs at most 255 rows. As with the halves, the order of the top bits is the order
    /// of the keys and #(key &gt;&gt; 25 &lt; t) = #(key &lt; t &lt;&lt; 25), so the bounds and counts handed on are exact.
    /// Lanes 0-31 of a byte vector are the tile's first pair of groups, lanes 32-63 the second.
    /// </summary>
    private static class ByteSearch
    {
        /// <summary>Bits decided here: key bits 31..25.</summary>
        private const int Bits = 7;

        /// <summary>The top seven bits of the keys whose halves these are (half &gt;&gt; 9), both pairs of a tile's row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<sbyte> Narrow(Vector512<short> firstPair, Vector512<short> secondPair) =>
            Vector512.Narrow(Vector512.ShiftRightArithmetic(firstPair, 16 - Bits), Vector512.ShiftRightArithmetic(secondPair, 16 - Bits));

        /// <summary>
        /// Runs the searches for rank <paramref name="first"/> (and <paramref name="last"/> unless it is -1) over a
        /// tile's bytes and hands each pair of groups its 16-bit searches.
        /// </summary>
        public static void Run(ref sbyte bytes, int rows, int first, int last, ref TilePrefetch prefetch,
            ref Guess lowGuess, ref Guess highGuess, out HalfSearch.Start firstPair, out HalfSearch.Start secondPair)
        {
            var two = last >= 0;
            var low = lowGuess.Start(ref bytes, rows, first, ref prefetch);
            var high = two ? highGuess.Start(ref bytes, rows, last, ref prefetch) : new Bounds(rows, 0);
            NarrowCounts.Search(ref bytes, rows, ref low, ref high, two, ref prefetch);
            lowGuess = Guess.After(low);
            highGuess = two ? Guess.After(high) : default;
            var (lowFirst, lowSecond) = low.Widen(first);
            var (highFirst, highSecond) = high.Widen(Math.Max(last, 0));
            firstPair = new HalfSearch.Start(lowFirst, highFirst);
            secondPair = new HalfSearch.Start(lowSecond, highSecond);
        }

        /// <summary>
        /// Where the previous tile's search for a rank ended, for the next tile to try first. Along a gradient the scale
        /// changes slowly from one tile to the next, and a value of these seven bits spans four binades, so the next
        /// tile's keys of the rank usually have the same one or two values of them. When every lane of the previous
        /// tile ended on one value g, or on g and g + 1, one pass counting the keys below g and below g + width (one or
        /// two) checks whether every lane's key of the rank lies in [g, g + width); if so that bracket replaces the
        /// first seven (or six) bisection passes; if not, the pass is wasted and the search starts afresh. On the
        /// reference input this leaves two or three byte passes of the seven (docs/PERFORMANCE.md).
        /// </summary>
        public readonly struct Guess
        {
            private readonly sbyte _start;

            /// <summary>0: no guess (the first tile, or lanes that ended further apart).</summary>
            private readonly sbyte _width;

            private Guess(sbyte start, sbyte width)
            {
                _start = start;
                _width = width;
            }

            /// <summary>The next tile's guess after a search that ended with these bounds.</summary>
            public static Guess After(in Bounds bounds)
            {
                if (!bounds.Decided)
                    return default;
                var lower = bounds.Lower;
                var first = lower.ToScalar();
                if (Vector512.EqualsAll(lower, Vector512.Create(first)))
                    return Bracket(first, 1);
                if (Vector512.EqualsAll(Vector512.Equals(lower, Vector512.Create(first)) | Vector512.Equals(lower, Vector512.Create((sbyte)(first + 1))), Vector512<sbyte>.AllBitsSet))
                    return Bracket(first, 2);
                if (Vector512.EqualsAll(Vector512.Equals(lower, Vector512.Create((sbyte)(first - 1))) | Vector512.Equals(lower, Vector512.Create(first)), Vector512<sbyte>.AllBitsSet))
                    return Bracket(first - 1, 2);
                return default;
            }

            // The keys' top bits run from -64 to 63; the bracket's end must be one of them too, as 64 would need the
            // upper bound's sentinel.
            private static Guess Bracket(int start, int width) =>
                start >= -(1 << (Bits - 1)) && start + width < 1 << (Bits - 1) ? new Guess((sbyte)start, (sbyte)width) : default;

            /// <summary>The search for rank k: the guessed bracket where every lane's key lies in it, else a fresh search.</summary>
            public Bounds Start(ref sbyte bytes, int rows, int k, ref TilePrefetch prefetch)
            {
                if (_width == 0)
                    return new Bounds(rows, k);
                prefetch.Some();
                var start = Vector512.Create(_start);
                var end = Vector512.Create((sbyte)(_start + _width));
                var (belowStart, belowEnd) = NarrowCounts.Below(ref bytes, rows, start, end);
                var inside = Vector512.LessThanOrEqual(belowStart.AsByte(), Vector512.Create((byte)k))
                    & Vector512.GreaterThan(belowEnd.AsByte(), Vector512.Create((byte)k));
                return Vector512.EqualsAll(inside, Vector512<byte>.AllBitsSet)
                    ? new Bounds(k, start, belowStart.AsByte(), end, belowEnd.AsByte(), _width - 2)
                    : new Bounds(rows, k);
            }
        }

        /// <summary>
        /// <see cref="RankSearch{TLanes, TVector, TSums}"/> on the top seven bits, values -64..63. The bits are decided by
        /// adding 1 &lt;&lt; bit to the lower bound rather than flipping them: the bound is a signed number whose bits
        /// below the next one to decide are those of -64, not zeros. The counts are unsigned.
        /// </summary>
        public struct Bounds : INarrowBounds<sbyte>
        {
            private const int Span = 1 << (Bits - 1);

            private readonly int _rank;
            private Vector512<sbyte> _lower;
            private Vector512<byte> _belowLower;
            private Vector512<sbyte> _upper;
            private Vector512<byte> _belowUpper;
            private int _bit;

            public Bounds(int rows, int k)
                // Every key lies below 64 << 25, which a signed byte cannot hold; -64 stands for it as the upper bound, as
                // no trial (always above the lower bound) is -64.
                : this(k, Vector512.Create((sbyte)-Span), Vector512<byte>.Zero, Vector512.Create((sbyte)-Span), Vector512.Create((byte)rows), Bits - 1)
            {
            }

            /// <summary>
            /// Bounds [lower, upper) found otherwise (<see cref="Guess"/>), upper - lower = 2^(bit + 1): the bisection goes
            /// on from <paramref name="bit"/> as if it had narrowed to them itself. The lower bound need not have zeros
            /// below the bit, as a bisection's would: trials here add the bit rather than set it, and a search leaves this
            /// phase either with every bit decided or settled on its counts, so the halves' searches, whose trials set
            /// bits, never try a key from these bounds.
            /// </summary>
            public Bounds(int k, Vector512<sbyte> lower, Vector512<byte> belowLower, Vector512<sbyte> upper, Vector512<byte> belowUpper, int bit)
            {
                _rank = k;
                _lower = lower;
                _belowLower = belowLower;
                _upper = upper;
                _belowUpper = belowUpper;
                _bit = bit;
            }

            /// <summary>Whether all seven bits are decided: the lower bound is every lane's value of them.</summary>
            public readonly bool Decided => _bit < 0;

            public readonly Vector512<sbyte> Lower => _lower;

            public readonly bool Settled => _bit < 0
                || Vector512.EqualsAll(Vector512.Equals(_belowLower, Vector512.Create((byte)_rank))
                    | Vector512.Equals(_belowUpper, Vector512.Create((byte)(_rank + 1))), Vector512<byte>.AllBitsSet);

            public Vector512<sbyte> Trial() => _lower + Vector512.Create((sbyte)(1 << _bit--));

            public void Narrow(Vector512<sbyte> trial, Vector512<sbyte> below)
            {
                var counts = below.AsByte();
                var keep = Vector512.LessThanOrEqual(counts, Vector512.Create((byte)_rank));
                _lower = Vector512.ConditionalSelect(keep.AsSByte(), trial, _lower);
                _belowLower = Vector512.ConditionalSelect(keep, counts, _belowLower);
                _upper = Vector512.ConditionalSelect(keep.AsSByte(), _upper, trial);
                _belowUpper = Vector512.ConditionalSelect(keep, _belowUpper, counts);
            }

            /// <summary>The same bounds on the halves, per pair, continuing at the bit after the last one decided here.</summary>
            public readonly (HalfSearch.Bounds First, HalfSearch.Bounds Second) Widen(int k)
            {
                var (lowerFirst, lowerSecond) = Vector512.Widen(_lower);
                var (belowLowerFirst, belowLowerSecond) = Vector512.Widen(_belowLower);
                var (upperFirst, upperSecond) = Vector512.Widen(_upper);
                var (belowUpperFirst, belowUpperSecond) = Vector512.Widen(_belowUpper);
                var bit = _bit + 16 - Bits;
                return (Half(k, lowerFirst, belowLowerFirst, upperFirst, belowUpperFirst, bit),
                    Half(k, lowerSecond, belowLowerSecond, upperSecond, belowUpperSecond, bit));
            }

            private static HalfSearch.Bounds Half(int k, Vector512<short> lower, Vector512<ushort> belowLower, Vector512<short> upper,
                Vector512<ushort> belowUpper, int bit)
            {
                // An upper bound never moved is 64 << 25; on the halves, 0x7fff is the same bound (see HalfSearch.Bounds).
                var never = Vector512.Equals(upper, Vector512.Create((short)-Span));
                var halfUpper = Vector512.ConditionalSelect(never, Vector512.Create(short.MaxValue), upper << (16 - Bits));
                return new HalfSearch.Bounds(k, lower << (16 - Bits), belowLower.AsInt16(), halfUpper, belowUpper.AsInt16(), bit);
            }
        }
    }

    /// <summary>The bounds of a search on narrowed keys: <see cref="HalfSearch.Bounds"/> and <see cref="ByteSearch"/>'s.</summary>
    private interface INarrowBounds<T>
    {
        bool Settled { get; }

        /// <summary>The lower bound with the next bit decided as set.</summary>
        Vector512<T> Trial();

        /// <summary>Keeps the trial as the lower bound where at most k keys lie below it, else as the upper.</summary>
        void Narrow(Vector512<T> trial, Vector512<T> below);
    }

    /// <summary>
    /// The counting passes of <see cref="HalfSearch"/> (16-bit keys) and <see cref="ByteSearch"/> (8-bit keys): per
    /// lane, how many of the rows' keys lie below a trial, one row a vector. Each count subtracts a compare's all-ones
    /// lanes, on the two 256-bit halves of the row: on AMD Zen 4 a 512-bit compare into a mask register and an add
    /// masked by it (<see cref="Keys512.CountIf"/>) took a third to a half longer per row than two 256-bit compares into
    /// vectors and two subtractions (a two-trial 16-bit pass: 0.92-0.98 against 0.64-0.74 ns a row in the first-level
    /// cache; the trimmed mean on one shard 16.4 -> 14.2 ms; docs/PERFORMANCE.md). Byte counts wrap at 256 and are read
    /// as unsigned.
    /// </summary>
    private static class NarrowCounts
    {
        /// <summary>
        /// Runs one search (<paramref name="two"/> false: <paramref name="high"/> is left alone) or two to the end. While
        /// both search, one pass over the rows serves both; the one left over finishes alone.
        /// </summary>
        public static void Search<T, TBounds>(ref T keys, int rows, ref TBounds low, ref TBounds high, bool two, ref TilePrefetch prefetch)
            where T : struct
            where TBounds : struct, INarrowBounds<T>
        {
            while (two && !low.Settled && !high.Settled)
            {
                prefetch.Some();
                var lowTrial = low.Trial();
                var highTrial = high.Trial();
                var (lowBelow, highBelow) = Below(ref keys, rows, lowTrial, highTrial);
                low.Narrow(lowTrial, lowBelow);
                high.Narrow(highTrial, highBelow);
            }
            Finish(ref keys, rows, ref low, ref prefetch);
            if (two)
                Finish(ref keys, rows, ref high, ref prefetch);
        }

        private static void Finish<T, TBounds>(ref T keys, int rows, ref TBounds bounds, ref TilePrefetch prefetch)
            where T : struct
            where TBounds : struct, INarrowBounds<T>
        {
            while (!bounds.Settled)
            {
                prefetch.Some();
                var trial = bounds.Trial();
                bounds.Narrow(trial, Below(ref keys, rows, trial));
            }
        }

        public static Vector512<T> Below<T>(ref T keys, int rows, Vector512<T> trial)
            where T : struct
        {
            var lanes = Vector512<T>.Count;
            var (trialLower, trialUpper) = (trial.GetLower(), trial.GetUpper());
            // Two rows a step, two counts per half: the subtractions of consecutive rows do not wait on each other.
            var lower0 = Vector256<T>.Zero;
            var upper0 = lower0;
            var lower1 = lower0;
            var upper1 = lower0;
            ref var row = ref keys;
            ref var pairsEnd = ref Unsafe.Add(ref keys, rows / 2 * 2 * lanes);
            while (Unsafe.IsAddressLessThan(ref row, ref pairsEnd))
            {
                lower0 -= Vector256.LessThan(Vector256.LoadUnsafe(ref row), trialLower);
                upper0 -= Vector256.LessThan(Vector256.LoadUnsafe(ref row, (nuint)(lanes / 2)), trialUpper);
                lower1 -= Vector256.LessThan(Vector256.LoadUnsafe(ref row, (nuint)lanes), trialLower);
                upper1 -= Vector256.LessThan(Vector256.LoadUnsafe(ref row, (nuint)(3 * lanes / 2)), trialUpper);
                row = ref Unsafe.Add(ref row, 2 * lanes);
            }
            if (rows % 2 != 0)
            {
                lower0 -= Vector256.LessThan(Vector256.LoadUnsafe(ref row), trialLower);
                upper0 -= Vector256.LessThan(Vector256.LoadUnsafe(ref row, (nuint)(lanes / 2)), trialUpper);
            }
            return Vector512.Create(lower0 + lower1, upper0 + upper1);
        }

        /// <summary>The counts below two trials, each row loaded once for both.</summary>
        public static (Vector512<T> Low, Vector512<T> High) Below<T>(ref T keys, int rows, Vector512<T> lowTrial, Vector512<T> highTrial)
            where T : struct
        {
            var lanes = Vector512<T>.Count;
            var (lowLower, lowUpper) = (lowTrial.GetLower(), lowTrial.GetUpper());
            var (highLower, highUpper) = (highTrial.GetLower(), highTrial.GetUpper());
            var lowOfLower = Vector256<T>.Zero;
            var lowOfUpper = lowOfLower;
            var highOfLower = lowOfLower;
            var highOfUpper = lowOfLower;
            ref var row = ref keys;
            ref var end = ref Unsafe.Add(ref keys, rows * lanes);
            while (Unsafe.IsAddressLessThan(ref row, ref end))
            {
                var lower = Vector256.LoadUnsafe(ref row);
                var upper = Vector256.LoadUnsafe(ref row, (nuint)(lanes / 2));
                lowOfLower -= Vector256.LessThan(lower, lowLower);
                lowOfUpper -= Vector256.LessThan(upper, lowUpper);
                highOfLower -= Vector256.LessThan(lower, highLower);
                highOfUpper -= Vector256.LessThan(upper, highUpper);
                row = ref Unsafe.Add(ref row, lanes);
            }
            return (Vector512.Create(lowOfLower, lowOfUpper), Vector512.Create(highOfLower, highOfUpper));
        }
    }

    /// <summary>kept[i] += the lanes (of the first <paramref name="columns"/>) where row i's key lies in [low, high].</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps Run's loop free of this loop's registers
    private static void CountKept<TLanes, TVector, TSums>(ref int keys, int rows, TVector lowKey, TVector highKey, int columns,
        Span<int> kept)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        var laneMask = LaneMask(columns);
        ref var count = ref MemoryMarshal.GetReference(kept);
        for (var i = 0; i < rows; i++)
        {
            var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
            Unsafe.Add(ref count, i) += KeptLanes<TLanes, TVector, TSums>(key, lowKey, highKey, laneMask);
        }
    }

    /// <summary>The bits of the lanes that hold one of the group's <paramref name="columns"/> coordinates.</summary>
    private static uint LaneMask(int columns) => (uint)((1UL << columns) - 1);

    /// <summary>How many of the lanes in <paramref name="laneMask"/> hold a key in [low, high].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KeptLanes<TLanes, TVector, TSums>(TVector key, TVector lowKey, TVector highKey, uint laneMask)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct =>
        TLanes.CountSet(TLanes.And(TLanes.LessThanOrEqual(lowKey, key), TLanes.LessThanOrEqual(key, highKey)), laneMask);

    /// <summary>Per lane, how many of the rows' keys lie below <paramref name="bound"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector CountBelow<TLanes, TVector, TSums>(ref int keys, int rows, TVector bound)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        // Four counts: the adds of consecutive rows do not wait on each other.
        var below0 = TLanes.Broadcast(0);
        var below1 = below0;
        var below2 = below0;
        var below3 = below0;
        var i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            ref var row = ref Unsafe.Add(ref keys, i * lanes);
            below0 = TLanes.CountIf(below0, TLanes.LessThan(TLanes.Load(ref row), bound));
            below1 = TLanes.CountIf(below1, TLanes.LessThan(TLanes.Load(ref Unsafe.Add(ref row, lanes)), bound));
            below2 = TLanes.CountIf(below2, TLanes.LessThan(TLanes.Load(ref Unsafe.Add(ref row, 2 * lanes)), bound));
            below3 = TLanes.CountIf(below3, TLanes.LessThan(TLanes.Load(ref Unsafe.Add(ref row, 3 * lanes)), bound));
        }
        for (; i < rows; i++)
            below0 = TLanes.CountIf(below0, TLanes.LessThan(TLanes.Load(ref Unsafe.Add(ref keys, i * lanes)), bound));
        return TLanes.Add(TLanes.Add(below0, below1), TLanes.Add(below2, below3));
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
        var above = TLanes.Broadcast(0);
        for (var i = 0; i < rows; i++)
        {
            var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
            var isAbove = TLanes.GreaterThan(key, keyOfRank);
            next = TLanes.Select(isAbove, TLanes.Min(next, key), next);
            above = TLanes.CountIf(above, isAbove);
        }
        var atMost = TLanes.Subtract(TLanes.Broadcast(rows), above);
        return TLanes.Select(TLanes.GreaterThan(atMost, TLanes.Broadcast(k + 1)), keyOfRank, next);
    }

    /// <summary>
    /// output[c] = the mean of column c's kept values: the band's sum plus the copies of each bound it left out, over the
    /// number kept; or the low bound itself where both bounds are one key (every kept value is that value, and counting
    /// ties from a sum would only add rounding). Eight columns at a time where vectors allow: one by one, each column
    /// waited for its division, and the loop held about 5 % of the trimmed mean's profile samples. Both forms evaluate
    /// the same double expression in the same order and round it once, so they give the same bits.
    /// </summary>
    private static void BandMeans(ReadOnlySpan<double> sums, ReadOnlySpan<int> atMostLow, ReadOnlySpan<int> belowHigh,
        ReadOnlySpan<float> lowValues, ReadOnlySpan<float> highValues, int first, int last, Span<float> output)
    {
        var kept = (double)(last - first + 1);
        var c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var firstCopies = Vector256.Create(first);
            var afterLast = Vector256.Create(last + 1);
            var keptCount = Vector256.Create(kept);
            for (; c + 8 <= output.Length; c += 8)
            {
                var lowValue = Vector256.Create(lowValues.Slice(c, 8));
                var highValue = Vector256.Create(highValues.Slice(c, 8));
                var lowCopies = Vector256.Create(atMostLow.Slice(c, 8)) - firstCopies;
                var highCopies = afterLast - Vector256.Create(belowHigh.Slice(c, 8));
                var lower = (Vector256.Create(sums.Slice(c, 4))
                    + Copies(Vector256.WidenLower(lowCopies), Vector256.WidenLower(lowValue))
                    + Copies(Vector256.WidenLower(highCopies), Vector256.WidenLower(highValue))) / keptCount;
                var upper = (Vector256.Create(sums.Slice(c + 4, 4))
                    + Copies(Vector256.WidenUpper(lowCopies), Vector256.WidenUpper(lowValue))
                    + Copies(Vector256.WidenUpper(highCopies), Vector256.WidenUpper(highValue))) / keptCount;
                // Equal bits are equal keys.
                var oneKey = Vector256.Equals(lowValue.AsInt32(), highValue.AsInt32()).AsSingle();
                Vector256.ConditionalSelect(oneKey, lowValue, Vector256.Narrow(lower, upper)).CopyTo(output[c..]);
            }
        }
        for (; c < output.Length; c++)
        {
            var lowValue = lowValues[c];
            var highValue = highValues[c];
            output[c] = OrderKeys.Of(lowValue) == OrderKeys.Of(highValue)
                ? lowValue
                : (float)((sums[c] + Copies(atMostLow[c] - first, lowValue) + Copies(last + 1 - belowHigh[c], highValue)) / kept);
        }
    }

    /// <summary>
    /// output[c] = the mean of two values in double, rounded once: a median's two middle values. Eight columns at a
    /// time where vectors allow (one by one, the loop held about 5 % of the median's profile samples), the same bits either way.
    /// </summary>
    private static void MiddleMeans(ReadOnlySpan<float> lowValues, ReadOnlySpan<float> highValues, Span<float> output)
    {
        var c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var half = Vector256.Create(0.5);
            for (; c + 8 <= output.Length; c += 8)
            {
                var low = Vector256.Create(lowValues.Slice(c, 8));
                var high = Vector256.Create(highValues.Slice(c, 8));
                // Halving is exact, so multiplying by 0.5 gives the division's bits.
                var lower = (Vector256.WidenLower(low) + Vector256.WidenLower(high)) * half;
                var upper = (Vector256.WidenUpper(low) + Vector256.WidenUpper(high)) * half;
                Vector256.Narrow(lower, upper).CopyTo(output[c..]);
            }
        }
        for (; c < output.Length; c++)
            output[c] = (float)(((double)lowValues[c] + highValues[c]) / 2);
    }

    /// <summary>count copies of a bound's value; none adds nothing, not 0 x an infinite bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Copies(int count, float value) => count == 0 ? 0 : count * (double)value;

    /// <summary><see cref="Copies(int, float)"/> per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Copies(Vector256<long> count, Vector256<double> value) =>
        Vector256.ConditionalSelect(Vector256.Equals(count, Vector256<long>.Zero).AsDouble(), Vector256<double>.Zero,
            Vector256.ConvertToDouble(count) * value);

    /// <summary>
    /// Per lane, sums[c] = the kept values the band's sum covers, summed in double in row order (meaningless where the
    /// bounds are equal, which the caller handles without the sum); returns, as "keys at most the low bound" and "keys
    /// below the high bound", how many copies of each bound the caller still adds. Where each bound's search settled on
    /// a count, that count says how many copies of the bound are kept: with exactly <paramref name="first"/> keys below
    /// the low bound (<paramref name="allOfLow"/>) every copy of it, otherwise (first + 1 keys at or below it) one; with
    /// exactly <paramref name="last"/> keys below the high bound (<paramref name="oneOfHigh"/>) one copy of it,
    /// otherwise (last + 1 at or below it) every one. The copies kept in full are summed with the values between, and
    /// the pass counts no ties. A search that ran out of bits says neither (<paramref name="countTies"/>): the pass then
    /// sums strictly between the bounds (the caller passes allOfLow none, oneOfHigh all) and counts the keys at most the
    /// low bound and below the high one, a compare and a masked add each per row. Given a non-empty
    /// <paramref name="kept"/>, also does <see cref="CountKept"/>'s counting in the same pass.
    /// </summary>
    private static (TVector AtMostLow, TVector BelowHigh) SumBand<TLanes, TVector, TSums>(ref int keys, int rows, TVector lowKey,
        TVector highKey, TVector allOfLow, TVector oneOfHigh, bool countTies, int first, int last, Span<double> sums, int columns,
        Span<int> kept)
        where TLanes : IKeyLanes<TVector, TSums>
        where TVector : struct
        where TSums : struct
    {
        var lanes = TLanes.Count;
        var one = TLanes.Broadcast(1);
        var from = TLanes.Select(allOfLow, lowKey, TLanes.Add(lowKey, one));
        var to = TLanes.Select(oneOfHigh, TLanes.Subtract(highKey, one), highKey);
        // from <= key <= to as one unsigned compare, so that each compare result is used once and AVX-512 keeps all of
        // them in mask registers (reusing one for the sum turned it into a vector, four more instructions a row). An
        // empty band (to = from - 1) has width 0; equal bounds give a meaningless width, and the caller does not use the
        // sum then.
        var width = TLanes.Add(TLanes.Subtract(to, from), one);
        var sum = default(TSums);
        var atMostLowCount = TLanes.Broadcast(0);
        var belowHighCount = atMostLowCount;
        var counting = !kept.IsEmpty;
        var laneMask = LaneMask(columns);
        ref var count = ref MemoryMarshal.GetReference(kept);
        for (var i = 0; i < rows; i++)
        {
            var key = TLanes.Load(ref Unsafe.Add(ref keys, i * lanes));
            sum = TLanes.AddValues(sum, key, TLanes.LessThanUnsigned(TLanes.Subtract(key, from), width));
            if (countTies)
            {
                atMostLowCount = TLanes.CountIf(atMostLowCount, TLanes.LessThanOrEqual(key, lowKey));
                belowHighCount = TLanes.CountIf(belowHighCount, TLanes.LessThan(key, highKey));
            }
            if (counting)
                Unsafe.Add(ref count, i) += KeptLanes<TLanes, TVector, TSums>(key, lowKey, highKey, laneMask);
        }
        TLanes.StoreSums(sum, ref MemoryMarshal.GetReference(sums));
        return countTies
            ? (atMostLowCount, belowHighCount)
            : (TLanes.Select(allOfLow, TLanes.Broadcast(first), TLanes.Broadcast(first + 1)),
                TLanes.Select(oneOfHigh, TLanes.Broadcast(last), TLanes.Broadcast(last + 1)));
    }
}
