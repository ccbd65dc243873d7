namespace FedActors.Aggregation.Tests;

public class CoordinatePartitionTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(200)]
    [InlineData(1000)]
    [InlineData(1_163_978)]
    public void Ranges_cover_the_columns_in_order_on_block_boundaries(int columns)
    {
        var blocks = (columns + CoordinatePartition.BlockSize - 1) / CoordinatePartition.BlockSize;
        for (var parts = 1; parts <= 9; parts++)
        {
            var ranges = CoordinatePartition.Split(columns, parts);
            Assert.Equal(parts, ranges.Length);
            Assert.Equal(0, ranges[0].Start);
            Assert.Equal(columns, ranges[^1].End);
            for (var p = 0; p < parts; p++)
            {
                Assert.True(ranges[p].Length >= 0);
                if (p > 0)
                    Assert.Equal(ranges[p - 1].End, ranges[p].Start);
                // Every boundary is a block boundary, except the end of the columns (where empty trailing ranges sit).
                if (ranges[p].Start != columns)
                    Assert.Equal(0, ranges[p].Start % CoordinatePartition.BlockSize);
                if (ranges[p].End != columns)
                    Assert.Equal(0, ranges[p].End % CoordinatePartition.BlockSize);
            }
            // As even as possible in whole blocks: block counts differ by at most one.
            var blockCounts = ranges.Select(r => (r.Length + CoordinatePartition.BlockSize - 1) / CoordinatePartition.BlockSize).ToArray();
            Assert.Equal(blocks, blockCounts.Sum());
            Assert.True(blockCounts.Max() - blockCounts.Min() <= 1);
        }
    }

    [Fact]
    public void Fewer_blocks_than_parts_leaves_trailing_ranges_empty()
    {
        Assert.Equal(
            [new CoordinateRange(0, 1024), new CoordinateRange(1024, 76), new CoordinateRange(1100, 0), new CoordinateRange(1100, 0)],
            CoordinatePartition.Split(1100, 4));
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CoordinatePartition.Split(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CoordinatePartition.Split(-1, 2));
    }
}
