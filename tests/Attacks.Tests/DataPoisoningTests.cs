using FedActors.Learning;
using Xunit;

namespace FedActors.Attacks.Tests;

public class DataPoisoningTests
{
    /// <summary>count samples of 4 features, feature j of sample i = (i * 4 + j) / 100 (all inside [0, 1]), labels i mod classes.</summary>
    private static Dataset Shard(int count = 10, int classes = 10)
    {
        var features = Enumerable.Range(0, count * 4).Select(v => v / 100f).ToArray();
        var targets = Enumerable.Range(0, count).Select(i => (float)(classes == 0 ? i * 1.5 : i % classes)).ToArray();
        return new Dataset(count, 4, features, targets, classes);
    }

    private static (float[] Features, float[] Targets) Snapshot(Dataset data) => ((float[])data.Features.Clone(), (float[])data.Targets.Clone());

    [Fact]
    public void Label_flip_maps_y_to_C_minus_1_minus_y_and_leaves_the_input_alone()
    {
        var shard = Shard(count: 5, classes: 3);
        var before = Snapshot(shard);

        var poisoned = new LabelFlipPoisoning().Poison(shard, new DeterministicRandom(1));

        // Labels 0,1,2,0,1 with C = 3 become 2,1,0,2,1.
        Assert.Equal([2f, 1f, 0f, 2f, 1f], poisoned.Targets);
        Assert.Equal(before.Features, poisoned.Features);
        Assert.Equal(before.Targets, shard.Targets);
        Assert.Equal(before.Features, shard.Features);
    }

    [Fact]
    public void Classification_only_attacks_reject_a_regression_dataset()
    {
        var regression = Shard(classes: 0);
        Assert.Contains("regression", Assert.Throws<ArgumentException>(() => new LabelFlipPoisoning().Poison(regression, new DeterministicRandom(1))).Message);
        Assert.Contains("regression", Assert.Throws<ArgumentException>(() => new BackdoorPoisoning().Poison(regression, new DeterministicRandom(1))).Message);
        // Feature attacks keep the targets and apply to regression.
        Assert.Equal(regression.Targets, new FeatureNoisePoisoning().Poison(regression, new DeterministicRandom(1)).Targets);
        Assert.Equal(regression.Targets, new ImpulsePoisoning().Poison(regression, new DeterministicRandom(1)).Targets);
    }

    [Fact]
    public void Backdoor_relabels_every_sample_to_class_8_by_default()
    {
        var shard = Shard();
        var poisoned = new BackdoorPoisoning().Poison(shard, new DeterministicRandom(1));
        Assert.All(poisoned.Targets, label => Assert.Equal(8f, label));
        Assert.Equal(shard.Features, poisoned.Features);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), shard.Targets);
    }

    [Theory]
    [InlineData(0.5, 5)]
    [InlineData(0.25, 3)] // 2.5 rounds up
    [InlineData(0.0, 0)]
    public void Backdoor_relabels_round_fraction_times_count_samples_and_stamps_their_trigger(double fraction, int expected)
    {
        var shard = Shard(count: 10);
        var before = Snapshot(shard);

        var poisoned = new BackdoorPoisoning(targetClass: 3, fraction, triggerFeatures: 2, triggerValue: 0.9).Poison(shard, new DeterministicRandom(4));

        // Label 3 is already class 3 for sample 3; count the samples whose trigger is stamped instead.
        var stamped = Enumerable.Range(0, 10).Where(i => poisoned.Features[i * 4 + 2] == 0.9f && poisoned.Features[i * 4 + 3] == 0.9f).ToArray();
        Assert.Equal(expected, stamped.Length);
        foreach (var i in Enumerable.Range(0, 10))
        {
            var isStamped = stamped.Contains(i);
            Assert.Equal(isStamped ? 3f : before.Targets[i], poisoned.Targets[i]);
            // The first two features are never touched; the last two only when stamped.
            Assert.Equal(before.Features[i * 4], poisoned.Features[i * 4]);
            Assert.Equal(before.Features[i * 4 + 1], poisoned.Features[i * 4 + 1]);
            if (!isStamped)
                Assert.Equal(before.Features[i * 4 + 3], poisoned.Features[i * 4 + 3]);
        }
        Assert.Equal(before.Features, shard.Features);
        Assert.Equal(before.Targets, shard.Targets);
    }

    [Fact]
    public void Backdoor_rejects_a_target_the_dataset_does_not_have()
    {
        var error = Assert.Throws<ArgumentException>(() => new BackdoorPoisoning(targetClass: 8).Poison(Shard(classes: 5), new DeterministicRandom(1)));
        Assert.Contains("8", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackdoorPoisoning(fraction: 1.5));
    }

    [Fact]
    public void Feature_noise_without_clipping_adds_sigma_times_the_streams_normals()
    {
        var shard = Shard(count: 3);
        var poisoned = new FeatureNoisePoisoning(sigma: 10, min: double.NegativeInfinity, max: double.PositiveInfinity)
            .Poison(shard, new DeterministicRandom(5));
        var normals = new DeterministicRandom(5);
        for (var j = 0; j < 12; j++)
            Assert.Equal((float)(shard.Features[j] + 10 * normals.NextGaussian()), poisoned.Features[j]);
    }

    [Fact]
    public void Feature_noise_clips_to_the_range_and_leaves_the_input_alone()
    {
        var shard = Shard(count: 50);
        var before = Snapshot(shard);

        var poisoned = new FeatureNoisePoisoning().Poison(shard, new DeterministicRandom(2));

        Assert.All(poisoned.Features, v => Assert.InRange(v, 0f, 1f));
        // sigma = 10 against values in [0, 2]: P(|noise| < 1) = 0.08, so most features land on a bound.
        Assert.True(poisoned.Features.Count(v => v == 0f || v == 1f) > 150);
        Assert.Equal(before.Features, shard.Features);
        Assert.Equal(before.Targets, poisoned.Targets);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FeatureNoisePoisoning(min: 1, max: 0));
    }

    [Fact]
    public void Automatic_bounds_are_the_shards_own_smallest_and_largest_feature()
    {
        // Pixels standardised as Fashion-MNIST's are: black -0.81, white 2.02, the rest between.
        float[] features = [-0.81f, 0.3f, 2.02f, 1.1f, 0.5f, -0.2f, 0.9f, 1.7f];
        var shard = new Dataset(2, 4, features, [1, 3], classCount: 10);
        double black = -0.81f, white = 2.02f;

        var noisy = new FeatureNoisePoisoning(sigma: 10, min: null, max: null).Poison(shard, new DeterministicRandom(3));
        var normals = new DeterministicRandom(3);
        Assert.Equal([.. features.Select(x => (float)Math.Clamp(x + 10 * normals.NextGaussian(), black, white))], noisy.Features);

        var impulse = new ImpulsePoisoning(fraction: 1, min: null, max: null).Poison(shard, new DeterministicRandom(4));
        Assert.All(impulse.Features, v => Assert.True(v == -0.81f || v == 2.02f, $"{v} is neither black nor white"));
        Assert.Contains(-0.81f, impulse.Features);
        Assert.Contains(2.02f, impulse.Features);

        var backdoor = new BackdoorPoisoning(fraction: 1, triggerFeatures: 2, triggerValue: null).Poison(shard, new DeterministicRandom(5));
        Assert.Equal([-0.81f, 0.3f, 2.02f, 2.02f, 0.5f, -0.2f, 2.02f, 2.02f], backdoor.Features);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FeatureNoisePoisoning(min: 3, max: null).Poison(shard, new DeterministicRandom(6)));
    }

    [Fact]
    public void Impulse_sets_round_fraction_times_features_per_sample_to_min_or_max()
    {
        // 20 features per sample at 0.5; fraction 0.25 changes exactly 5 of them in every sample.
        var features = Enumerable.Repeat(0.5f, 400 * 20).ToArray();
        var shard = new Dataset(400, 20, features, new float[400], 0);

        var poisoned = new ImpulsePoisoning(fraction: 0.25, min: -1, max: 2).Poison(shard, new DeterministicRandom(8));

        var high = 0;
        for (var i = 0; i < 400; i++)
        {
            var row = poisoned.Row(i).ToArray();
            Assert.Equal(5, row.Count(v => v != 0.5f));
            Assert.All(row, v => Assert.Contains(v, new[] { 0.5f, -1f, 2f }));
            high += row.Count(v => v == 2f);
        }
        // 2000 changed features, each max with probability 1/2: sd = sqrt(500) = 22.
        Assert.InRange(high, 1000 - 5 * 22, 1000 + 5 * 22);
        Assert.All(shard.Features, v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void Poison_shard_takes_the_workers_rows_in_order()
    {
        var data = Shard(count: 10);
        var poisoned = new LabelFlipPoisoning().PoisonShard(data, [7, 2, 4], new DeterministicRandom(1));

        Assert.Equal(3, poisoned.Count);
        Assert.Equal([2f, 7f, 5f], poisoned.Targets); // 9 - 7, 9 - 2, 9 - 4
        Assert.Equal(data.Row(2).ToArray(), poisoned.Row(1).ToArray());
    }

    [Fact]
    public void Poisoning_is_reproducible_from_the_random_stream()
    {
        var shard = Shard(count: 30);
        IDataPoisoning[] attacks = [new BackdoorPoisoning(fraction: 0.5), new FeatureNoisePoisoning(), new ImpulsePoisoning(0.5)];
        foreach (var attack in attacks)
        {
            var a = attack.Poison(shard, new DeterministicRandom(12));
            var b = attack.Poison(shard, new DeterministicRandom(12));
            var c = attack.Poison(shard, new DeterministicRandom(13));
            Assert.Equal(a.Features, b.Features);
            Assert.Equal(a.Targets, b.Targets);
            Assert.False(a.Features.SequenceEqual(c.Features) && a.Targets.SequenceEqual(c.Targets), attack.Name);
        }
    }
}
