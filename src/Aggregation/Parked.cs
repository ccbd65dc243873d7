namespace FedActors.Aggregation;

/// <summary>
/// One parked scratch object per rule instance: a stateless rule reuses its large scratch (n x n distances, a mixing
/// matrix: an n x n matrix of doubles is a large object from n = 104 on, and a large object per round brings a full
/// collection every few rounds) and still serves concurrent callers, each of which takes the parked object or, while
/// another caller holds it, makes its own. The scratch is sized for one row count: a round with another count replaces
/// it.
/// </summary>
internal static class Parked
{
    public static T? Take<T>(ref T? slot) where T : class => Interlocked.Exchange(ref slot, null);

    public static void Put<T>(ref T? slot, T value) where T : class => Volatile.Write(ref slot, value);

    /// <summary>The parked array, zeroed, if it has <paramref name="length"/> elements; otherwise a new one.</summary>
    public static T[] TakeCleared<T>(ref T[]? slot, int length)
    {
        var array = Take(ref slot);
        if (array is null || array.Length != length)
            return new T[length];
        Array.Clear(array);
        return array;
    }
}
