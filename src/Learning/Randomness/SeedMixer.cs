namespace FedActors.Learning;

/// <summary>
/// Derives independent-looking 64-bit seeds from a root seed and a path of ids (e.g. worker, round),
/// by chaining the SplitMix64 finalizer: h0 = mix(seed + phi), h(k+1) = mix(rotl(h(k), 29) xor mix(id(k) + phi)).
/// Each step is a bijection in both the running hash and the id, so paths that differ in any id differ in the result
/// (except with probability about 2^-64); order matters, and the empty path is not the identity.
/// </summary>
public static class SeedMixer
{
    public static ulong Derive(ulong seed, params ReadOnlySpan<ulong> path)
    {
        // Adding the golden-ratio increment keeps 0 (a common seed and id) away from mix's fixed point at 0.
        ulong h = SplitMix64.Mix(seed + SplitMix64.Increment);
        foreach (ulong id in path)
        {
            // Without the rotation the first step would be symmetric in seed and id: Derive(1, 0) == Derive(0, 1).
            h = SplitMix64.Mix(ulong.RotateLeft(h, 29) ^ SplitMix64.Mix(id + SplitMix64.Increment));
        }
        return h;
    }
}
