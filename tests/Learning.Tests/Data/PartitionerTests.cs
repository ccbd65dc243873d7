using Xunit;

namespace FedActors.Learning.Tests;

public class PartitionerTests
{
    [Theory]
    [InlineData(100, 10)]
    [InlineData(103, 10)]
    [InlineData(7, 7)]
    [InlineData(1000, 1)]
    [InlineData(20, 3)]
    public void Every_index_is_in_exactly_one_part_and_sizes_differ_by_at_most_one(int samples, int workers)
    {
        int[][] parts = Partitioner.Iid(samples, workers, seed: 5);
        Assert.Equal(workers, parts.Length);
        int[] all = parts.SelectMany(p => p).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, samples), all);
        int min = parts.Min(p => p.Length);
        int max = parts.Max(p => p.Length);
        Assert.True(max - min <= 1);
        Assert.True(min >= 1);
    }

    [Fact]
    public void The_split_is_a_function_of_the_seed()
    {
        int[][] a = Partitioner.Iid(50, 4, seed: 1);
        int[][] b = Partitioner.Iid(50, 4, seed: 1);
        int[][] c = Partitioner.Iid(50, 4, seed: 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void The_split_is_shuffled_rather_than_contiguous_in_the_original_order()
    {
        int[][] parts = Partitioner.Iid(1000, 2, seed: 3);
        // The first part of an unshuffled split would hold 0..499; a random half holds about 250 of them.
        int low = parts[0].Count(i => i < 500);
        Assert.InRange(low, 200, 300);
    }

    [Fact]
    public void Impossible_splits_name_the_workers_argument()
    {
        var tooMany = Assert.Throws<ArgumentException>(() => Partitioner.Iid(3, 4, seed: 0));
        Assert.Equal("workers", tooMany.ParamName);
        var none = Assert.Throws<ArgumentException>(() => Partitioner.Iid(3, 0, seed: 0));
        Assert.Equal("workers", none.ParamName);
    }

    /// <summary>Balanced labels: sample i has class i mod classes.</summary>
    private static int[] Balanced(int samples, int classes) => Enumerable.Range(0, samples).Select(i => i % classes).ToArray();

    private static void AssertEverySampleOnce(int[][] parts, int samples)
    {
        Assert.Equal(Enumerable.Range(0, samples), parts.SelectMany(p => p).Order());
        Assert.All(parts, part => Assert.NotEmpty(part));
    }

    /// <summary>The share of a worker's samples held by its two most frequent classes.</summary>
    private static double TopTwoShare(int[] part, int[] labels) =>
        (double)part.CountBy(i => labels[i]).Select(c => c.Value).OrderDescending().Take(2).Sum() / part.Length;

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.5)]
    [InlineData(1e4)]
    public void Dirichlet_assigns_every_sample_exactly_once_and_leaves_no_worker_empty(double alpha)
    {
        int[] labels = Balanced(2000, 10);
        int[][] parts = Partitioner.Dirichlet(labels, classes: 10, workers: 50, alpha, seed: 4);
        Assert.Equal(50, parts.Length);
        AssertEverySampleOnce(parts, 2000);
    }

    [Fact]
    public void Dirichlet_repairs_empty_workers_even_when_workers_equal_samples()
    {
        // 30 samples for 30 workers at alpha 0.01: nearly every class goes to one worker, so the repair must hand one
        // sample to each of the others, leaving exactly one per worker.
        int[] labels = Balanced(30, 3);
        int[][] parts = Partitioner.Dirichlet(labels, classes: 3, workers: 30, alpha: 0.01, seed: 8);
        AssertEverySampleOnce(parts, 30);
        Assert.All(parts, part => Assert.Single(part));
    }

    [Fact]
    public void Dirichlet_is_a_function_of_the_seed()
    {
        int[] labels = Balanced(500, 5);
        Assert.Equal(Partitioner.Dirichlet(labels, 5, 10, 0.5, seed: 1), Partitioner.Dirichlet(labels, 5, 10, 0.5, seed: 1));
        Assert.NotEqual(Partitioner.Dirichlet(labels, 5, 10, 0.5, seed: 1), Partitioner.Dirichlet(labels, 5, 10, 0.5, seed: 2));
    }

    [Fact]
    public void Dirichlet_with_a_large_alpha_gives_every_worker_nearly_the_global_label_mix()
    {
        // 10 classes x 1000 samples over 20 workers: iid would give each worker 50 of each class. At alpha = 1e4 a
        // worker's share of a class has standard deviation sqrt(p (1 - p) / (20 alpha + 1)) = 0.0015 around p = 0.05,
        // i.e. 1.5 samples of the 1000, plus at most one from rounding the cut points.
        int[] labels = Balanced(10_000, 10);
        int[][] parts = Partitioner.Dirichlet(labels, classes: 10, workers: 20, alpha: 1e4, seed: 11);
        foreach (int[] part in parts)
        {
            var counts = part.CountBy(i => labels[i]).ToDictionary();
            Assert.Equal(10, counts.Count);
            Assert.All(counts.Values, count => Assert.InRange(count, 42, 58));
        }
    }

    [Fact]
    public void Dirichlet_with_a_small_alpha_gives_most_workers_one_or_two_classes()
    {
        // At alpha = 0.05 each class's proportions over 20 workers put almost all its mass on one or two of them
        // (the largest of 20 Gamma(0.05) draws holds on average about 3/4 of their sum), so a worker's samples come
        // mostly from the few classes that favoured it. Under iid the top two classes hold about 20% of a worker's
        // samples; here they must hold at least 90% for at least 3/4 of the workers.
        int[] labels = Balanced(10_000, 10);
        int[][] parts = Partitioner.Dirichlet(labels, classes: 10, workers: 20, alpha: 0.05, seed: 11);
        int dominated = parts.Count(part => TopTwoShare(part, labels) >= 0.9);
        Assert.True(dominated >= 15, $"{dominated} of 20 workers have >= 90% of their samples in two classes");

        int[][] iid = Partitioner.Iid(10_000, 20, seed: 11);
        Assert.All(iid, part => Assert.InRange(TopTwoShare(part, labels), 0.2, 0.3));
    }

    [Fact]
    public void Dirichlet_refuses_bad_arguments_by_name()
    {
        int[] labels = Balanced(10, 2);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.Dirichlet(labels, 2, 3, 0, 1)).ParamName);
        Assert.Equal("workers", Assert.Throws<ArgumentException>(() => Partitioner.Dirichlet(labels, 2, 11, 1, 1)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Partitioner.Dirichlet([0, 1, 2], 2, 1, 1, 1)).ParamName);
    }

    [Theory]
    [InlineData(1000, 20, 2)]
    [InlineData(1003, 7, 3)]
    [InlineData(40, 40, 1)]
    public void Label_shards_assign_every_sample_exactly_once_in_shards_of_equal_size(int samples, int workers, int perWorker)
    {
        int[] labels = Balanced(samples, 10);
        int[][] parts = Partitioner.LabelShards(labels, workers, perWorker, seed: 3);
        AssertEverySampleOnce(parts, samples);
        // Shards differ by at most one sample, so workers differ by at most perWorker.
        Assert.InRange(parts.Max(p => p.Length) - parts.Min(p => p.Length), 0, perWorker);
        Assert.Equal(samples, parts.Sum(p => p.Length));
    }

    [Fact]
    public void Label_shards_that_do_not_straddle_labels_give_each_worker_at_most_its_shard_count_of_labels()
    {
        // 10 classes x 100 samples cut into 20 x 2 = 40 shards of 25: each shard lies inside one class.
        int[] labels = Balanced(1000, 10);
        int[][] parts = Partitioner.LabelShards(labels, workers: 20, shardsPerWorker: 2, seed: 6);
        Assert.All(parts, part =>
        {
            Assert.Equal(50, part.Length);
            Assert.InRange(part.Select(i => labels[i]).Distinct().Count(), 1, 2);
        });
    }

    [Fact]
    public void Label_shards_are_contiguous_runs_of_the_stably_sorted_labels()
    {
        // Sorted by label, ties by index: [1, 4 | 0, 3 | 2, 5] for labels 1 0 2 1 0 2 -> order 1 4 0 3 2 5.
        int[] labels = [1, 0, 2, 1, 0, 2];
        int[][] parts = Partitioner.LabelShards(labels, workers: 3, shardsPerWorker: 1, seed: 0);
        var shards = parts.Select(p => string.Join(",", p)).Order().ToArray();
        Assert.Equal(["0,3", "1,4", "2,5"], shards);
    }

    [Fact]
    public void Label_shards_are_a_function_of_the_seed()
    {
        int[] labels = Balanced(400, 10);
        Assert.Equal(Partitioner.LabelShards(labels, 10, 2, seed: 1), Partitioner.LabelShards(labels, 10, 2, seed: 1));
        Assert.NotEqual(Partitioner.LabelShards(labels, 10, 2, seed: 1), Partitioner.LabelShards(labels, 10, 2, seed: 2));
    }

    [Fact]
    public void Label_shards_need_a_sample_per_shard()
    {
        var error = Assert.Throws<ArgumentException>(() => Partitioner.LabelShards(Balanced(10, 2), workers: 4, shardsPerWorker: 3, seed: 0));
        Assert.Equal("shardsPerWorker", error.ParamName);
        Assert.Contains("12 shards, more than the 10 samples", error.Message);
    }
}
