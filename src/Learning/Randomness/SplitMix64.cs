namespace FedActors.Learning;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a Weyl sequence with step 0x9E3779B97F4A7C15 passed through
/// the Stafford variant-13 finalizer. Used to expand one seed into a xoshiro256** state and to mix seed paths.
/// </summary>
internal static class SplitMix64
{
    public const ulong Increment = 0x9E3779B97F4A7C15UL;

    public static ulong Next(ref ulong state)
    {
        state += Increment;
        return Mix(state);
    }

    /// <summary>The finalizer alone; a bijection on 64-bit values that maps 0 to 0.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
