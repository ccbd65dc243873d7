using Akka.Configuration;
using FedActors.Actors.Checkpoints;
using FedActors.Host.Configuration;
using FedActors.Host.Running;
using FedActors.Learning;
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

    private static Running.Experiment Build(string optimizer = "sgd") =>
        Running.Experiment.Build(ExperimentSettingsParser.Parse(ExperimentConfig.FromText(
            Experiment + $"\nfedactors.training.optimizer = {optimizer}" + (optimizer == "adam" ? "\nfedactors.training.momentum = 0" : ""))));

    private static string[] WithoutTimings(string directory)
    {
        var lines = File.ReadAllLines(Path.Combine(directory, "metrics.csv"));
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => !header[i].EndsWith("_ms")).ToArray();
        return lines.Select(line => string.Join(',', keep.Select(i => line.Split(',')[i]))).ToArray();
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public async Task A_run_killed_after_its_checkpoint_and_resumed_gives_the_uninterrupted_runs_metrics(string optimizer)
    {
        Assert.IsType(optimizer == "adam" ? typeof(AdamOptimizer) : typeof(SgdOptimizer), Build(optimizer).Server.Optimizer);
        var whole = RepositoryFiles.NewTemporaryDirectory();
        var running = RepositoryFiles.NewTemporaryDirectory();
        var killed = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            var outcome = await SimulationRunner.RunAsync(Build(optimizer), QuietActorSystem, whole);
            Assert.True(outcome.Succeeded, outcome.Failed?.Reason);

            // A kill -9 leaves what is on disk at that instant. The metrics actor writes both metrics.csv and the
            // checkpoints, so copying the folder from inside its round callback is such an instant, and it comes
            // before the last checkpoint: the first callback after a checkpoint exists. (Cancelling the run instead
            // left it to the machine's load whether the run got further before the actor system stopped.)
            var copied = false;
            var second = await SimulationRunner.RunAsync(Build(optimizer), QuietActorSystem, running, onRound: _ =>
            {
                if (copied || !File.Exists(Path.Combine(running, RunCheckpoint.FileName)))
                    return;
                foreach (var file in Directory.GetFiles(running))
                    File.Copy(file, Path.Combine(killed, Path.GetFileName(file)));
                copied = true;
            });
            Assert.True(second.Succeeded, second.Failed?.Reason);
            Assert.True(copied, "no round was reported after a checkpoint was written");
            var checkpoint = RunCheckpoint.Read(killed);
            Assert.True(checkpoint.Round % 4 == 0 && checkpoint.Round < 40, $"checkpoint at round {checkpoint.Round}");

            var resumed = await SimulationRunner.RunAsync(Build(optimizer), QuietActorSystem, killed, resumeFrom: checkpoint);

            Assert.True(resumed.Succeeded, resumed.Failed?.Reason);
            Assert.Equal(WithoutTimings(whole), WithoutTimings(killed));
            Assert.Equal(outcome.Completed!.FinalModel, resumed.Completed!.FinalModel);
            // Two diverged runs would compare equal too (NaN equals NaN here).
            Assert.All(outcome.Completed.FinalModel, value => Assert.True(float.IsFinite(value)));
            Assert.Equal(outcome.Completed.LastRound.TestAccuracy, resumed.Completed.LastRound.TestAccuracy);
        }
        finally
        {
            Directory.Delete(whole, recursive: true);
            Directory.Delete(running, recursive: true);
            Directory.Delete(killed, recursive: true);
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
