using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>Label flip: every label y becomes C - 1 - y (C classes), so each class is trained as its mirror class.</summary>
public sealed class LabelFlipPoisoning : IDataPoisoning
{
    public string Name => "label-flip";

    public Dataset Poison(Dataset shard, Random random)
    {
        PoisoningGuard.Classification(shard, Name);
        var targets = new float[shard.Count];
        for (var i = 0; i < targets.Length; i++)
            targets[i] = shard.ClassCount - 1 - shard.Targets[i];
        return new Dataset(shard.Count, shard.FeatureCount, shard.Features, targets, shard.ClassCount);
    }
}
