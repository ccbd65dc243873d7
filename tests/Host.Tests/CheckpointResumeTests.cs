using Akka.Configuration;
using FedActors.Actors.Checkpoints;
using FedActors.Host.Configuration;
using FedActors.Host.Running;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>A run stopped after a checkpoint and resumed ends with the metrics of the run that was never stopped.</summary>
public class CheckpointResumeTests
{
    private static readonly Config QuietActorSystem = ConfigurationFactory.ParseString("akka.loglevel = ERROR");

    // Momentum, a stateful rule (its center carries over rounds), accuracy measured off the critical path and a
    // colluding attack, so that every kind of state a checkpoint must carry is in play.
    private const string Experiment = """
        fedactors {
          rounds = 40
          eval.every = 3
          checkpoint.every = 4
          workers { count = 12, byzantine = 3 }
          task {
            name = logistic-regression
            logistic-regression { dimension = 6, classes = 3, train-samples = 1200, test-samples = 300 }
          }
          training { batch-size = 8, learning-rate = 0.2, momentum = 0.9 }
          aggregator.rule = centered-clipping
          attack.name = alie
        }
        """;

    private static Running.Experiment Build() =>
        Running.Experiment.Build(ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Experiment)));

    private static string[] WithoutTimings(string directory)
    {
        var lines = File.ReadAllLines(Path.Combine(directory, "metrics.csv"));
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => !header[i].EndsWith("_ms")).ToArray();
        return lines.Select(line => string.Join(',', keep.Select(i => line.Split(',')[i]))).ToArray();
    }

    [Fact]
    public async Task A_run_killed_after_its_checkpoint_and_resumed_gives_the_uninterrupted_runs_metrics()
    {
        var whole = RepositoryFiles.NewTemporaryDirectory();
        var stopped = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            var outcome = await SimulationRunner.RunAsync(Build(), QuietActorSystem, whole);
            Assert.True(outcome.Succeeded, outcome.Failed?.Reason);

            using var kill = new CancellationTokenSource();
            // The kill comes from the metrics actor's thread after row 7; holding that thread a moment keeps it from
            // writing more rows (and so later checkpoints) while the actor system shuts down, since a stopping actor
            // drops the messages still in its mailbox. Whichever checkpoint survives, the resumed run must match.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SimulationRunner.RunAsync(Build(), QuietActorSystem, stopped,
                onRound: m =>
                {
                    if (m.Round != 7)
                        return;
                    kill.Cancel();
                    Thread.Sleep(500);
                }, kill.Token));
            var checkpoint = RunCheckpoint.Read(stopped);
            Assert.True(checkpoint.Round % 4 == 0 && checkpoint.Round < 40, $"checkpoint at round {checkpoint.Round}");
            Assert.True(File.ReadAllLines(Path.Combine(stopped, "metrics.csv")).Length - 1 >= 7);

            var resumed = await SimulationRunner.RunAsync(Build(), QuietActorSystem, stopped, resumeFrom: checkpoint);

            Assert.True(resumed.Succeeded, resumed.Failed?.Reason);
            Assert.Equal(WithoutTimings(whole), WithoutTimings(stopped));
            Assert.Equal(outcome.Completed!.FinalModel, resumed.Completed!.FinalModel);
            Assert.Equal(outcome.Completed.LastRound.TestAccuracy, resumed.Completed.LastRound.TestAccuracy);
        }
        finally
        {
            Directory.Delete(whole, recursive: true);
            Directory.Delete(stopped, recursive: true);
        }
    }

    [Fact]
    public void A_damaged_checkpoint_is_refused_naming_the_file()
    {
        var directory = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            new RunCheckpoint(4, [1, 2, 3], new Dictionary<FedActors.Actors.RejectionReason, int>()).WriteTo(directory);
            Assert.Equal(4, RunCheckpoint.Read(directory).Round);
            var path = Path.Combine(directory, RunCheckpoint.FileName);
            var bytes = File.ReadAllBytes(path);
            bytes[10] ^= 0x40;
            File.WriteAllBytes(path, bytes);

            var error = Assert.Throws<InvalidDataException>(() => RunCheckpoint.Read(directory));
            Assert.Contains(RunCheckpoint.FileName, error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
