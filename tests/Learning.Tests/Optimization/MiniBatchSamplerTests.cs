using Xunit;

namespace FedActors.Learning.Tests;

public class MiniBatchSamplerTests
{
    private static readonly int[] Shard = [3, 8, 15, 16, 23, 42, 51, 60, 77, 90];

    [Fact]
    public void A_batch_is_a_duplicate_free_subset_of_the_shard()
    {
        var sampler = new MiniBatchSampler(Shard, batchSize: 4);
        Assert.Equal(4, sampler.BatchSize);
        var random = new DeterministicRandom(1);
        for (int draw = 0; draw < 200; draw++)
        {
            int[] batch = sampler.Next(random).ToArray();
            Assert.Equal(4, batch.Length);
            Assert.Equal(4, batch.Distinct().Count());
            Assert.All(batch, i => Assert.Contains(i, Shard));
        }
    }

    [Fact]
    public void A_draw_depends_only_on_the_random_it_is_given()
    {
        var fresh = new MiniBatchSampler(Shard, 5);
        var used = new MiniBatchSampler(Shard, 5);
        var other = new DeterministicRandom(100);
        for (int i = 0; i < 7; i++)
        {
            used.Next(other);
        }

        int[] first = fresh.Next(DeterministicRandom.ForStream(9, 2, 3)).ToArray();
        int[] again = used.Next(DeterministicRandom.ForStream(9, 2, 3)).ToArray();
        Assert.Equal(first, again);
        int[] otherRound = used.Next(DeterministicRandom.ForStream(9, 2, 4)).ToArray();
        Assert.NotEqual(first, otherRound);
    }

    [Fact]
    public void Every_shard_index_is_drawn_equally_often()
    {
        const int draws = 20_000;
        var sampler = new MiniBatchSampler(Shard, 3);
        var random = new DeterministicRandom(2);
        var counts = new Dictionary<int, int>();
        for (int d = 0; d < draws; d++)
        {
            foreach (int i in sampler.Next(random))
            {
                counts[i] = counts.GetValueOrDefault(i) + 1;
            }
        }
        // Each index is in a batch with probability 3/10: mean 6000, sd sqrt(20000 * 0.3 * 0.7) = 65.
        Assert.Equal(Shard.Length, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 6000 - 325, 6000 + 325));
    }

    [Fact]
    public void Null_batch_size_means_the_whole_shard()
    {
        var sampler = new MiniBatchSampler(Shard, batchSize: null);
        Assert.Equal(Shard.Length, sampler.BatchSize);
        Assert.Equal(Shard, sampler.Next(new DeterministicRandom(1)).ToArray());
        Assert.Equal(Shard, new MiniBatchSampler(Shard, Shard.Length).Next(new DeterministicRandom(2)).ToArray());
    }

    [Fact]
    public void The_sampler_keeps_its_own_copy_of_the_shard()
    {
        int[] shard = [1, 2, 3, 4];
        var sampler = new MiniBatchSampler(shard, 2);
        shard[0] = 99;
        for (int i = 0; i < 50; i++)
        {
            Assert.DoesNotContain(99, sampler.Next(new DeterministicRandom((ulong)i)).ToArray());
        }
    }

    [Fact]
    public void Invalid_batch_sizes_and_empty_shards_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchSampler(Shard, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchSampler(Shard, Shard.Length + 1));
        Assert.Throws<ArgumentException>(() => new MiniBatchSampler([], null));
    }
}
