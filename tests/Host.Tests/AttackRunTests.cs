using System.Globalization;
using Akka.Configuration;
using FedActors.Attacks;
using FedActors.Host.Configuration;
using FedActors.Host.Running;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>Every attack run end to end through the actors: the coalition answers in time, validation catches what it must.</summary>
public class AttackRunTests
{
    private static readonly Config QuietActorSystem = ConfigurationFactory.ParseString("akka.loglevel = ERROR");

    private const string Small = """
        fedactors {
          rounds = 4
          eval.every = 4
          workers { count = 12, byzantine = 3 }
          task {
            name = logistic-regression
            logistic-regression { dimension = 6, classes = 10, train-samples = 1200, test-samples = 200 }
          }
          training.batch-size = 8
          round.deadline = 60s
          attack.coalition.deadline = 30s
        }
        """;

    private static string[][] Run(params string[] overrides)
    {
        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Small, overrides));
        var directory = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            var outcome = SimulationRunner.RunAsync(Experiment.Build(settings), QuietActorSystem, directory).GetAwaiter().GetResult();
            Assert.True(outcome.Succeeded, outcome.Failed?.Reason);
            var lines = File.ReadAllLines(Path.Combine(directory, "metrics.csv"));
            var header = lines[0].Split(',');
            var keep = Enumerable.Range(0, header.Length).Where(i => !header[i].EndsWith("_ms")).ToArray();
            return lines.Select(line => keep.Select(i => line.Split(',')[i]).ToArray()).ToArray();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int Count(string[][] csv, int row, string column) =>
        int.Parse(csv[row][Array.IndexOf(csv[0], column)], CultureInfo.InvariantCulture);

    public static TheoryData<string> FiniteAttacks() =>
        [.. AttackCatalog.Names.Where(name => name is not (AttackCatalog.None or "nonfinite" or "bit-flip"))];

    [Theory]
    [MemberData(nameof(FiniteAttacks))]
    public void Every_attack_with_finite_reports_runs_with_every_report_in_on_time(string attack)
    {
        var csv = Run($"fedactors.attack.name={attack}");

        for (var round = 1; round <= 4; round++)
        {
            Assert.Equal(12, Count(csv, round, "accepted_reports"));
            Assert.Equal(3, Count(csv, round, "byzantine_reports"));
        }
    }

    [Fact]
    public void Nonfinite_reports_are_rejected_and_counted_and_the_rounds_still_complete()
    {
        var csv = Run("fedactors.attack.name=nonfinite");

        for (var round = 1; round <= 4; round++)
            Assert.Equal((9, 3, 0), (Count(csv, round, "accepted_reports"), Count(csv, round, "rejected_reports"), Count(csv, round, "byzantine_reports")));
    }

    [Fact]
    public void Bit_flipped_reports_are_either_accepted_or_rejected_never_lost()
    {
        var csv = Run("fedactors.attack.name=bit-flip", "fedactors.attack.bit-flip.probability=0.2");

        for (var round = 1; round <= 4; round++)
        {
            Assert.Equal(12, Count(csv, round, "accepted_reports") + Count(csv, round, "rejected_reports"));
            // Rejected is not missing: every worker had its say, so the round closed without waiting for the deadline.
            Assert.Equal(0, Count(csv, round, "missing_reports"));
        }
        Assert.True(Enumerable.Range(1, 4).Sum(round => Count(csv, round, "rejected_reports")) > 0);
    }

    [Fact]
    public void A_colluding_run_with_dynamic_membership_and_an_omniscient_coalition_is_deterministic_across_shard_counts()
    {
        string[] attack = ["fedactors.attack.name=alie", "fedactors.attack.knowledge=omniscient", "fedactors.attack.membership=dynamic"];
        var one = Run([.. attack, "fedactors.aggregator.shards=1"]);
        var three = Run([.. attack, "fedactors.aggregator.shards=3"]);
        var own = Run("fedactors.attack.name=alie", "fedactors.attack.membership=dynamic");

        Assert.Equal(one, three);
        // What the coalition knows changes what it forges, and so the trajectory.
        Assert.NotEqual(one.Select(row => row[1]), own.Select(row => row[1]));
    }
}
