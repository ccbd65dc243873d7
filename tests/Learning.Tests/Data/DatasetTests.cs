using Xunit;

namespace FedActors.Learning.Tests;

public class DatasetTests
{
    [Fact]
    public void Row_is_the_row_major_slice_and_Label_the_stored_class()
    {
        var data = new Dataset(3, 2, [1, 2, 3, 4, 5, 6], [2, 0, 1], classCount: 3);
        Assert.Equal([3f, 4f], data.Row(1).ToArray());
        Assert.Equal(2, data.Label(0));
        Assert.Equal(1, data.Label(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Row(3));
    }

    [Fact]
    public void Label_of_a_regression_dataset_throws()
    {
        var data = new Dataset(1, 1, [1], [0.5f], classCount: 0);
        Assert.Throws<InvalidOperationException>(() => data.Label(0));
    }

    [Fact]
    public void Inconsistent_shapes_and_invalid_class_ids_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Dataset(2, 2, [1, 2, 3], [0, 0], 0));
        Assert.Throws<ArgumentException>(() => new Dataset(2, 1, [1, 2], [0], 0));
        Assert.Throws<ArgumentException>(() => new Dataset(2, 1, [1, 2], [0, 2], 2));
        Assert.Throws<ArgumentException>(() => new Dataset(2, 1, [1, 2], [0, 0.5f], 2));
        Assert.Throws<ArgumentException>(() => new Dataset(2, 1, [1, 2], [0, -1], 2));
    }
}
