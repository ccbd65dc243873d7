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
}
