using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FedActors.Aggregation.Kernels;

/// <summary>
/// The vector operations of <see cref="OrderStatistics"/> on order keys: a float's bits read as a signed integer with
/// the magnitude bits of negative floats flipped, so that integer order is the float's order and a rank can be decided
/// bit by bit with integer compares. One static interface, one generic loop per vector width.
/// </summary>
/// <remarks>
/// The key order is total and puts -0 just below +0, so the value a rank selects never depends on which row held
/// which zero. Compare results are all-ones lanes, i.e. -1: adding them counts down.
/// </remarks>
internal interface IKeyLanes<TVector, TSums>
    where TVector : struct
    where TSums : struct
{
    static abstract int Count { get; }
    static abstract TVector Broadcast(int value);
    static abstract TVector Load(ref int source);
    static abstract void Store(TVector value, ref int destination);

    /// <summary>The keys of <see cref="Count"/> floats.</summary>
    static abstract TVector KeysOf(ref float source);

    /// <summary>The floats whose keys these are.</summary>
    static abstract void StoreValues(TVector keys, ref float destination);

    static abstract TVector Xor(TVector left, TVector right);
    static abstract TVector Or(TVector left, TVector right);
    static abstract TVector And(TVector left, TVector right);
    static abstract TVector Equal(TVector left, TVector right);
    static abstract TVector Max(TVector left, TVector right);

    /// <summary>Whether every lane of a compare result is set.</summary>
    static abstract bool All(TVector mask);

    /// <summary>How many of the first <paramref name="lanes"/> lanes of a compare result are set.</summary>
    static abstract int CountSet(TVector mask, uint laneMask);

    static abstract TVector Add(TVector left, TVector right);
    static abstract TVector Subtract(TVector left, TVector right);
    static abstract TVector LessThan(TVector left, TVector right);
    static abstract TVector LessThanOrEqual(TVector left, TVector right);
    static abstract TVector LessThanUnsigned(TVector left, TVector right);
    static abstract TVector GreaterThan(TVector left, TVector right);
    static abstract TVector Min(TVector left, TVector right);
    static abstract TVector Select(TVector condition, TVector whenTrue, TVector whenFalse);

    /// <summary>count + 1 in the lanes where <paramref name="condition"/> (a compare result) is set.</summary>
    static abstract TVector CountIf(TVector count, TVector condition);

    /// <summary>
    /// Per lane, sums + the value of the key where <paramref name="mask"/> is set, widened to double (sums are
    /// <see cref="Count"/> doubles kept in registers). Lanes are independent, so each lane's sum is in row order
    /// whatever the width.
    /// </summary>
    static abstract TSums AddValues(TSums sums, TVector keys, TVector mask);

    static abstract void StoreSums(TSums sums, ref double destination);
}

internal static class OrderKeys
{
    /// <summary>The float's bits as a signed integer, with the magnitude bits of negative floats flipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(float value)
    {
        var bits = BitConverter.SingleToInt32Bits(value);
        return bits ^ ((bits >> 31) & int.MaxValue);
    }

    /// <summary>The map is its own inverse: the sign bit, which decides the flip, is left as it is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ValueOf(int key) => BitConverter.Int32BitsToSingle(key ^ ((key >> 31) & int.MaxValue));
}

internal readonly struct Keys512 : IKeyLanes<Vector512<int>, (Vector512<double> Lower, Vector512<double> Upper)>
{
    // A constant, not a static readonly field: with tiered compilation off (the Host) a kernel is compiled before the
    // field's initialiser has run, and the JIT then checks for it inside every loop that reads the field (measured:
    // the median's key copy took five times as long).
    private static Vector512<int> Magnitude => Vector512.Create(int.MaxValue);

    public static int Count => Vector512<int>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Broadcast(int value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Load(ref int source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<int> value, ref int destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> KeysOf(ref float source)
    {
        var bits = Vector512.LoadUnsafe(ref source).AsInt32();
        return bits ^ (Vector512.ShiftRightArithmetic(bits, 31) & Magnitude);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreValues(Vector512<int> keys, ref float destination) =>
        (keys ^ (Vector512.ShiftRightArithmetic(keys, 31) & Magnitude)).AsSingle().StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Xor(Vector512<int> left, Vector512<int> right) => left ^ right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Or(Vector512<int> left, Vector512<int> right) => left | right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> And(Vector512<int> left, Vector512<int> right) => left & right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Equal(Vector512<int> left, Vector512<int> right) => Vector512.Equals(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Max(Vector512<int> left, Vector512<int> right) => Vector512.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool All(Vector512<int> mask) => Vector512.EqualsAll(mask, Vector512<int>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CountSet(Vector512<int> mask, uint laneMask) =>
        System.Numerics.BitOperations.PopCount(mask.ExtractMostSignificantBits() & laneMask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Add(Vector512<int> left, Vector512<int> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Subtract(Vector512<int> left, Vector512<int> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> LessThan(Vector512<int> left, Vector512<int> right) => Vector512.LessThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> LessThanOrEqual(Vector512<int> left, Vector512<int> right) => Vector512.LessThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> LessThanUnsigned(Vector512<int> left, Vector512<int> right) =>
        Vector512.LessThan(left.AsUInt32(), right.AsUInt32()).AsInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> GreaterThan(Vector512<int> left, Vector512<int> right) => Vector512.GreaterThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Min(Vector512<int> left, Vector512<int> right) => Vector512.Min(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Select(Vector512<int> condition, Vector512<int> whenTrue, Vector512<int> whenFalse) =>
        Vector512.ConditionalSelect(condition, whenTrue, whenFalse);
    /// <summary>
    /// A select, which AVX-512 turns into one add masked by the compare; adding the compare's -1 lanes would take a
    /// third instruction to turn the compare's mask register into a vector (the same change in the 16-bit counting
    /// passes took about 20 % off the median).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> CountIf(Vector512<int> count, Vector512<int> condition) =>
        Vector512.ConditionalSelect(condition, count + Vector512<int>.One, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<double> Lower, Vector512<double> Upper) AddValues((Vector512<double> Lower, Vector512<double> Upper) sums,
        Vector512<int> keys, Vector512<int> mask)
    {
        var values = Vector512.ConditionalSelect(mask, keys ^ (Vector512.ShiftRightArithmetic(keys, 31) & Magnitude), Vector512<int>.Zero);
        var (lower, upper) = Vector512.Widen(values.AsSingle());
        return (sums.Lower + lower, sums.Upper + upper);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums((Vector512<double> Lower, Vector512<double> Upper) sums, ref double destination)
    {
        sums.Lower.StoreUnsafe(ref destination);
        sums.Upper.StoreUnsafe(ref destination, 8);
    }
}

internal readonly struct Keys256 : IKeyLanes<Vector256<int>, (Vector256<double> Lower, Vector256<double> Upper)>
{
    private static Vector256<int> Magnitude => Vector256.Create(int.MaxValue);

    public static int Count => Vector256<int>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Broadcast(int value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load(ref int source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<int> value, ref int destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> KeysOf(ref float source)
    {
        var bits = Vector256.LoadUnsafe(ref source).AsInt32();
        return bits ^ (Vector256.ShiftRightArithmetic(bits, 31) & Magnitude);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreValues(Vector256<int> keys, ref float destination) =>
        (keys ^ (Vector256.ShiftRightArithmetic(keys, 31) & Magnitude)).AsSingle().StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Xor(Vector256<int> left, Vector256<int> right) => left ^ right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Or(Vector256<int> left, Vector256<int> right) => left | right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> And(Vector256<int> left, Vector256<int> right) => left & right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Equal(Vector256<int> left, Vector256<int> right) => Vector256.Equals(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Max(Vector256<int> left, Vector256<int> right) => Vector256.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool All(Vector256<int> mask) => Vector256.EqualsAll(mask, Vector256<int>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CountSet(Vector256<int> mask, uint laneMask) =>
        System.Numerics.BitOperations.PopCount(mask.ExtractMostSignificantBits() & laneMask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> left, Vector256<int> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Subtract(Vector256<int> left, Vector256<int> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> LessThan(Vector256<int> left, Vector256<int> right) => Vector256.LessThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> LessThanOrEqual(Vector256<int> left, Vector256<int> right) => Vector256.LessThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> LessThanUnsigned(Vector256<int> left, Vector256<int> right) =>
        Vector256.LessThan(left.AsUInt32(), right.AsUInt32()).AsInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> GreaterThan(Vector256<int> left, Vector256<int> right) => Vector256.GreaterThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Min(Vector256<int> left, Vector256<int> right) => Vector256.Min(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Select(Vector256<int> condition, Vector256<int> whenTrue, Vector256<int> whenFalse) =>
        Vector256.ConditionalSelect(condition, whenTrue, whenFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> CountIf(Vector256<int> count, Vector256<int> condition) => count - condition;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> Lower, Vector256<double> Upper) AddValues((Vector256<double> Lower, Vector256<double> Upper) sums,
        Vector256<int> keys, Vector256<int> mask)
    {
        var values = Vector256.ConditionalSelect(mask, keys ^ (Vector256.ShiftRightArithmetic(keys, 31) & Magnitude), Vector256<int>.Zero);
        var (lower, upper) = Vector256.Widen(values.AsSingle());
        return (sums.Lower + lower, sums.Upper + upper);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums((Vector256<double> Lower, Vector256<double> Upper) sums, ref double destination)
    {
        sums.Lower.StoreUnsafe(ref destination);
        sums.Upper.StoreUnsafe(ref destination, 4);
    }
}

/// <summary>Also the fallback where no vector hardware exists: the software Vector128 gives the same values.</summary>
internal readonly struct Keys128 : IKeyLanes<Vector128<int>, (Vector128<double> Lower, Vector128<double> Upper)>
{
    private static Vector128<int> Magnitude => Vector128.Create(int.MaxValue);

    public static int Count => Vector128<int>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Broadcast(int value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Load(ref int source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<int> value, ref int destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> KeysOf(ref float source)
    {
        var bits = Vector128.LoadUnsafe(ref source).AsInt32();
        return bits ^ (Vector128.ShiftRightArithmetic(bits, 31) & Magnitude);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreValues(Vector128<int> keys, ref float destination) =>
        (keys ^ (Vector128.ShiftRightArithmetic(keys, 31) & Magnitude)).AsSingle().StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Xor(Vector128<int> left, Vector128<int> right) => left ^ right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Or(Vector128<int> left, Vector128<int> right) => left | right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> And(Vector128<int> left, Vector128<int> right) => left & right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Equal(Vector128<int> left, Vector128<int> right) => Vector128.Equals(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Max(Vector128<int> left, Vector128<int> right) => Vector128.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool All(Vector128<int> mask) => Vector128.EqualsAll(mask, Vector128<int>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CountSet(Vector128<int> mask, uint laneMask) =>
        System.Numerics.BitOperations.PopCount(mask.ExtractMostSignificantBits() & laneMask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Add(Vector128<int> left, Vector128<int> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Subtract(Vector128<int> left, Vector128<int> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> LessThan(Vector128<int> left, Vector128<int> right) => Vector128.LessThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> LessThanOrEqual(Vector128<int> left, Vector128<int> right) => Vector128.LessThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> LessThanUnsigned(Vector128<int> left, Vector128<int> right) =>
        Vector128.LessThan(left.AsUInt32(), right.AsUInt32()).AsInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> GreaterThan(Vector128<int> left, Vector128<int> right) => Vector128.GreaterThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Min(Vector128<int> left, Vector128<int> right) => Vector128.Min(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Select(Vector128<int> condition, Vector128<int> whenTrue, Vector128<int> whenFalse) =>
        Vector128.ConditionalSelect(condition, whenTrue, whenFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> CountIf(Vector128<int> count, Vector128<int> condition) => count - condition;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<double> Lower, Vector128<double> Upper) AddValues((Vector128<double> Lower, Vector128<double> Upper) sums,
        Vector128<int> keys, Vector128<int> mask)
    {
        var values = Vector128.ConditionalSelect(mask, keys ^ (Vector128.ShiftRightArithmetic(keys, 31) & Magnitude), Vector128<int>.Zero);
        var (lower, upper) = Vector128.Widen(values.AsSingle());
        return (sums.Lower + lower, sums.Upper + upper);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums((Vector128<double> Lower, Vector128<double> Upper) sums, ref double destination)
    {
        sums.Lower.StoreUnsafe(ref destination);
        sums.Upper.StoreUnsafe(ref destination, 2);
    }
}
