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

    [Fact]
    public void Standardized_maps_both_splits_with_the_pooled_training_mean_and_sample_deviation()
    {
        // Training features 0, 1, 2, 3, 4, 5: mean 2.5, squared deviations sum to 17.5, sample deviation sqrt(3.5).
        var train = new Dataset(3, 2, [0, 1, 2, 3, 4, 5], [1, 0, 1], classCount: 2);
        var test = new Dataset(1, 2, [2.5f, 6], [0], classCount: 2);

        var scaled = new ClassificationData(train, test).Standardized();

        double deviation = Math.Sqrt(3.5);
        float[] expectedTrain = [.. new[] { 0, 1, 2, 3, 4, 5 }.Select(x => (float)((x - 2.5) / deviation))];
        Assert.Equal(expectedTrain, scaled.Train.Features);
        Assert.Equal([0f, (float)(3.5 / deviation)], scaled.Test.Features);
        Assert.Equal(train.Targets, scaled.Train.Targets);
        Assert.Equal((2, 2), (scaled.Test.FeatureCount, scaled.Test.ClassCount));
        // The originals are shared with other users of the data, so they stay as they were.
        Assert.Equal([0f, 1, 2, 3, 4, 5], train.Features);
    }

    [Fact]
    public void Standardized_refuses_training_features_without_spread()
    {
        var flat = new Dataset(2, 2, [0.5f, 0.5f, 0.5f, 0.5f], [0, 1], classCount: 2);
        var error = Assert.Throws<InvalidOperationException>(() => new ClassificationData(flat, flat).Standardized());
        Assert.Contains("all equal (0.5)", error.Message);
    }
}
