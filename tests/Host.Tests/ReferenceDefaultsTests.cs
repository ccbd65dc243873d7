using Akka.Configuration;
using FedActors.Aggregation;
using FedActors.Host.Configuration;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>reference.conf and the rules' own defaults must say the same thing, or a config run and a library call differ.</summary>
public class ReferenceDefaultsTests
{
    private static string[] BlockNames() =>
        ExperimentConfig.Reference.GetConfig("fedactors.aggregator").Root.GetObject().Items
            .Where(item => item.Value.IsObject()).Select(item => item.Key).ToArray();

    public static TheoryData<string> ParameterBlocks() => new(BlockNames());

    [Fact]
    public void Every_parameter_block_belongs_to_a_rule_or_step()
    {
        var blocks = BlockNames();
        Assert.NotEmpty(blocks);
        Assert.All(blocks, block => Assert.True(AggregationRules.Names.Contains(block) || PreAggregators.Names.Contains(block), $"no rule or step '{block}'"));
    }

    [Theory]
    [MemberData(nameof(ParameterBlocks))]
    public void Every_reference_parameter_is_one_the_rule_reads(string block)
    {
        var parameters = new SettingsReaderProbe(ExperimentConfig.Reference).Block($"fedactors.aggregator.{block}");
        // Creating with exactly the reference block must succeed: an unknown or misspelt key would throw.
        if (AggregationRules.Names.Contains(block))
            AggregationRules.Create(block, f: 1, n: 20, new RuleParameters(parameters));
        else
            PreAggregators.Create(block, f: 1, n: 20, new RuleParameters(parameters));
    }

    /// <summary>Reads a block the way the experiment parser does.</summary>
    private sealed class SettingsReaderProbe(Config config)
    {
        public IReadOnlyDictionary<string, string> Block(string path) =>
            config.GetConfig(path).Root.GetObject().Items.ToDictionary(item => item.Key, item => item.Value.GetString());
    }
}
