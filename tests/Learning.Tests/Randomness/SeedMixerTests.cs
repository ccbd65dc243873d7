using System.Numerics;
using Xunit;

namespace FedActors.Learning.Tests;

public class SeedMixerTests
{
    [Fact]
    public void Distinct_paths_give_distinct_seeds()
    {
        var seen = new HashSet<ulong>();
        for (ulong seed = 0; seed < 5; seed++)
        {
            Assert.True(seen.Add(SeedMixer.Derive(seed)));
            for (ulong a = 0; a < 40; a++)
            {
                Assert.True(seen.Add(SeedMixer.Derive(seed, a)));
                for (ulong b = 0; b < 40; b++)
                {
                    Assert.True(seen.Add(SeedMixer.Derive(seed, a, b)));
                    Assert.True(seen.Add(SeedMixer.Derive(seed, a, b, 0)));
                }
            }
        }
    }

    [Fact]
    public void Derive_is_a_pure_function_of_seed_and_path()
    {
        Assert.Equal(SeedMixer.Derive(7, 1, 2, 3), SeedMixer.Derive(7, 1, 2, 3));
        Assert.NotEqual(SeedMixer.Derive(7, 1, 2), SeedMixer.Derive(7, 2, 1));
        // Seed and first id play different roles.
        Assert.NotEqual(SeedMixer.Derive(1, 0), SeedMixer.Derive(0, 1));
        Assert.NotEqual(7UL, SeedMixer.Derive(7));
    }

    [Fact]
    public void Neighbouring_inputs_give_balanced_bits()
    {
        // Sequential ids must not leave structure in the seeds: every output bit is set about half the time, and
        // flipping the lowest id bit changes about half of the output bits.
        const int n = 10_000;
        var ones = new int[64];
        long flippedBits = 0;
        for (ulong id = 0; id < n; id++)
        {
            ulong value = SeedMixer.Derive(1, id);
            for (int bit = 0; bit < 64; bit++)
            {
                ones[bit] += (int)((value >> bit) & 1);
            }
            flippedBits += BitOperations.PopCount(value ^ SeedMixer.Derive(1, id ^ 1));
        }
        foreach (int count in ones)
        {
            Assert.InRange(count, n / 2 - 300, n / 2 + 300);
        }
        Assert.InRange(flippedBits / (double)n, 31.5, 32.5);
    }
}
