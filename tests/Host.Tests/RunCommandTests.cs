using System.Text.Json;
using FedActors.Host.Configuration;
using FedActors.Host.Running;
using Xunit;

namespace FedActors.Host.Tests;

[Collection(SerilogStaticLoggerCollection.Name)]
public class RunCommandTests
{
    [Theory]
    [InlineData("fedactors.workers.byzantine=500", "fedactors.workers.byzantine")]
    [InlineData("fedactors.aggregator.rulez=mean", "fedactors.aggregator.rulez")]
    public void An_invalid_config_exits_2_naming_the_key_before_anything_runs(string assignment, string keyPath)
    {
        var results = Path.Combine(RepositoryFiles.NewTemporaryDirectory(), "never-created");
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        try
        {
            var exit = RunCommand.Execute(RepositoryFiles.Experiment("quickstart.conf"), results, [assignment], "test");

            Assert.Equal(Program.ExitInvalidInput, exit);
            Assert.Contains(keyPath, stderr.ToString());
            Assert.False(Directory.Exists(results), "nothing may be written before the config is valid");
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    [Fact]
    public void The_run_command_exits_2_when_the_data_are_missing_and_writes_nothing()
    {
        var emptyFolder = RepositoryFiles.NewTemporaryDirectory();
        var results = Path.Combine(emptyFolder, "never-created");
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        try
        {
            var exit = RunCommand.Execute(RepositoryFiles.Experiment("fashion-mnist-quick.conf"), results,
                [$"fedactors.task.fashion-mnist.path={emptyFolder}"], "test");

            Assert.Equal(Program.ExitInvalidInput, exit);
            Assert.Contains("fedactors.task.fashion-mnist.path", stderr.ToString());
            Assert.Contains("sudo apt-get install dataset-fashion-mnist", stderr.ToString());
            Assert.False(Directory.Exists(results));
        }
        finally
        {
            Console.SetError(previous);
            Directory.Delete(emptyFolder, recursive: true);
        }
    }

    [Fact]
    public void Resume_refuses_a_folder_without_a_checkpoint_and_an_experiment_given_with_it()
    {
        var folder = RepositoryFiles.NewTemporaryDirectory();
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        try
        {
            Assert.Equal(Program.ExitInvalidInput, Program.Run(["run", "--resume", folder]));
            Assert.Contains("checkpoint.bin", stderr.ToString());

            Assert.Equal(Program.ExitInvalidInput,
                Program.Run(["run", RepositoryFiles.Experiment("quickstart.conf"), "--resume", folder]));
            Assert.Contains("--resume continues a run exactly as it was configured", stderr.ToString());
        }
        finally
        {
            Console.SetError(previous);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_run_writes_metrics_config_and_summary_and_its_config_repeats_it_exactly()
    {
        var results = RepositoryFiles.NewTemporaryDirectory();
        var again = RepositoryFiles.NewTemporaryDirectory();
        var output = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            var exit = RunCommand.Execute(RepositoryFiles.Experiment("quickstart.conf"), results,
                ["fedactors.rounds=5", "fedactors.seed.base=11"], "fedactors run quickstart.conf");
            Assert.Equal(Program.ExitOk, exit);

            var resolved = Path.Combine(results, "config.conf");
            // The keys the run resolves are written as the values it used, not as "auto".
            var written = Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(resolved));
            Assert.Equal("20", written.GetString("fedactors.aggregator.f"));
            Assert.True(ulong.TryParse(written.GetString("fedactors.seed.data"), out _));
            Assert.True(ulong.TryParse(written.GetString("fedactors.seed.training"), out _));
            var original = ExperimentSettingsParser.Parse(ExperimentConfig.Load(RepositoryFiles.Experiment("quickstart.conf"),
                ["fedactors.rounds=5", "fedactors.seed.base=11"]));
            var reloaded = ExperimentSettingsParser.Parse(ExperimentConfig.Load(resolved, []));
            Assert.Equal(original, reloaded);

            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "summary.json")));
            Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
            Assert.Equal(5, summary.RootElement.GetProperty("final").GetProperty("round").GetInt32());
            Assert.Equal(20, summary.RootElement.GetProperty("byzantine_ids").GetArrayLength());
            Assert.Equal("fedactors run quickstart.conf", summary.RootElement.GetProperty("command").GetString());
            Assert.True(summary.RootElement.GetProperty("wall_seconds").GetDouble() > 0);

            Assert.Equal(Program.ExitOk, RunCommand.Execute(resolved, again, [], "again"));
            Assert.Equal(
                File.ReadAllLines(Path.Combine(results, "metrics.csv")).Select(DropTiming),
                File.ReadAllLines(Path.Combine(again, "metrics.csv")).Select(DropTiming));
        }
        finally
        {
            Console.SetOut(output);
            Directory.Delete(results, recursive: true);
            Directory.Delete(again, recursive: true);
        }
    }

    /// <summary>The last two columns are round_ms and aggregate_ms.</summary>
    private static string DropTiming(string line) => string.Join(',', line.Split(',')[..^2]);
}
