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

    [Theory]
    [MemberData(nameof(ParameterBlocks))]
    public void The_reference_values_aggregate_exactly_as_the_codes_defaults(string block)
    {
        // Behaviour, not text: a value in reference.conf that differs from the default the rule applies when the key
        // is absent changes some output bit or weight over these three rounds (rows with outliers, so thresholds,
        // trimming and clipping all bite).
        var reference = new RuleParameters(new SettingsReaderProbe(ExperimentConfig.Reference).Block($"fedactors.aggregator.{block}"));
        var defaults = new RuleParameters(new Dictionary<string, string>());
        AggregationPipeline Pipeline(RuleParameters parameters) => AggregationRules.Names.Contains(block)
            ? new AggregationPipeline([], AggregationRules.Create(block, f: 3, n: 20, parameters))
            : new AggregationPipeline([PreAggregators.Create(block, f: 3, n: 20, parameters)], new MeanRule());
        var (fromReference, fromDefaults) = (Pipeline(reference), Pipeline(defaults));
        var random = new Random(23);
        for (var round = 1; round <= 3; round++)
        {
            var matrix = new GradientMatrix(20, 3000);
            for (var i = 0; i < 20; i++)
            {
                for (var j = 0; j < 3000; j++)
                    matrix.Row(i)[j] = (float)(random.NextDouble() - 0.5) + (i < 3 ? 40 : 0);
            }
            var context = AggregationContext.ForMatrix(20, 3000, seed: round) with { Round = round };
            var (a, b) = (new float[3000], new float[3000]);
            var reportA = fromReference.Aggregate(matrix, a, context);
            var reportB = fromDefaults.Aggregate(matrix, b, context with { Random = new Random(round) });
            Assert.Equal(a, b);
            Assert.Equal(reportA.Weights.ToArray(), reportB.Weights.ToArray());
        }
    }

    /// <summary>Reads a block the way the experiment parser does.</summary>
    private sealed class SettingsReaderProbe(Config config)
    {
        public IReadOnlyDictionary<string, string> Block(string path) =>
            config.GetConfig(path).Root.GetObject().Items.ToDictionary(item => item.Key, item => item.Value.GetString());
    }
}
