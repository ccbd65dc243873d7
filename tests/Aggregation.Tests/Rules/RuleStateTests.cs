namespace FedActors.Aggregation.Tests;

public class RuleStateTests
{
    public static TheoryData<string, string> MismatchedPairs() => new()
    {
        { "bgmd", "centered-clipping" },
        { "centered-clipping", "byzantine-sgd" },
        { "byzantine-sgd", "bgmd" },
    };

    [Theory]
    [MemberData(nameof(MismatchedPairs))]
    public void State_saved_by_one_rule_is_refused_by_another(string saver, string loader)
    {
        var saved = new MemoryStream();
        using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true))
            ((IStatefulRule)AggregationRules.Create(saver, f: 1, n: 10)).SaveState(writer);
        saved.Position = 0;

        var target = (IStatefulRule)AggregationRules.Create(loader, f: 1, n: 10);
        using var reader = new BinaryReader(saved);
        var error = Assert.Throws<InvalidDataException>(() => target.LoadState(reader));
        Assert.Contains($"'{saver}'", error.Message);
        Assert.Contains($"expected {loader}", error.Message);
    }
}
