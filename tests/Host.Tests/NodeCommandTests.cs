using System.CommandLine;
using FedActors.Actors.Checkpoints;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>
/// The node command's refusals: each exits 2 before an actor system starts, and names the option at fault. A node that
/// passed validation would try to join a cluster, so every case here must fail in validation or the test hangs.
/// </summary>
[Collection(SerilogStaticLoggerCollection.Name)]
public class NodeCommandTests
{
    private static (int Exit, string Errors) Node(params string[] args)
    {
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        try
        {
            var exit = Program.Run(["node", .. args], new InvocationConfiguration { Output = new StringWriter(), Error = stderr });
            return (exit, stderr.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    private static string Quickstart => RepositoryFiles.Experiment("quickstart.conf");

    [Theory]
    [InlineData("--role", "boss", "--role")]
    [InlineData("--port", "many", "--port")]
    public void A_malformed_option_exits_2_naming_it(string option, string value, string named)
    {
        string[] args = option == "--role"
            ? ["--role", value, "--experiment", Quickstart]
            : ["--role", "coordinator", "--experiment", Quickstart, option, value];

        var (exit, errors) = Node(args);

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains(value, errors);
        Assert.Contains(named, errors);
    }

    [Fact]
    public void A_node_without_a_role_exits_2_naming_the_option()
    {
        var (exit, errors) = Node("--experiment", Quickstart);

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("--role", errors);
    }

    [Fact]
    public void A_workers_node_without_seed_nodes_exits_2_naming_the_option()
    {
        var (exit, errors) = Node("--role", "workers", "--experiment", Quickstart);

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("--seed-nodes", errors);
    }

    [Fact]
    public void An_aggregator_node_is_a_role_and_without_seed_nodes_exits_2_naming_the_option()
    {
        var (exit, errors) = Node("--role", "aggregator", "--experiment", Quickstart);

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("--seed-nodes", errors);
        Assert.DoesNotContain("is not a role", errors);
    }

    [Fact]
    public void A_seed_node_that_is_not_an_address_exits_2_naming_the_option_and_the_value()
    {
        var (exit, errors) = Node("--role", "workers", "--experiment", Quickstart, "--seed-nodes", "127.0.0.1:4053");

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("--seed-nodes", errors);
        Assert.Contains("127.0.0.1:4053", errors);
    }

    [Fact]
    public void A_port_outside_the_tcp_range_exits_2_naming_the_option()
    {
        var (exit, errors) = Node("--role", "coordinator", "--experiment", Quickstart, "--port", "70000");

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("--port", errors);
    }

    [Fact]
    public void A_node_without_an_experiment_exits_2_naming_the_option()
    {
        var (exit, errors) = Node("--role", "coordinator");

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("--experiment", errors);
    }

    [Fact]
    public void An_invalid_experiment_key_exits_2_naming_the_key()
    {
        var (exit, errors) = Node("--role", "coordinator", "--experiment", Quickstart, "--set", "fedactors.workers.byzantine=500");

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("fedactors.workers.byzantine", errors);
    }

    [Fact]
    public void An_unknown_cluster_key_exits_2_naming_the_key()
    {
        var (exit, errors) = Node("--role", "coordinator", "--experiment", Quickstart, "--set", "fedactors.cluster.min-memberz=2");

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("fedactors.cluster.min-memberz", errors);
    }

    [Fact]
    public void Resume_is_refused_on_a_workers_node_with_an_experiment_and_without_a_checkpoint()
    {
        var folder = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            var seeds = "akka.tcp://fedactors@127.0.0.1:4053";
            var (exit, errors) = Node("--role", "workers", "--seed-nodes", seeds, "--resume", folder);
            Assert.Equal(Program.ExitInvalidInput, exit);
            Assert.Contains("--resume is for the node with the coordinator role", errors);

            (exit, errors) = Node("--role", "coordinator", "--experiment", Quickstart, "--resume", folder);
            Assert.Equal(Program.ExitInvalidInput, exit);
            Assert.Contains("give no --experiment", errors);

            (exit, errors) = Node("--role", "coordinator", "--resume", folder);
            Assert.Equal(Program.ExitInvalidInput, exit);
            Assert.Contains("--resume", errors);
            Assert.Contains(RunCheckpoint.FileName, errors);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Resume_is_refused_when_the_folder_lacks_its_config_or_the_run_had_finished()
    {
        var folder = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            new RunCheckpoint(100, [], new Dictionary<FedActors.Actors.RejectionReason, int>()).WriteTo(folder);
            var (exit, errors) = Node("--role", "coordinator", "--resume", folder);
            Assert.Equal(Program.ExitInvalidInput, exit);
            Assert.Contains("config.conf", errors);

            // quickstart has 100 rounds: a checkpoint at round 100 is the end of the run.
            File.Copy(Quickstart, Path.Combine(folder, "config.conf"));
            (exit, errors) = Node("--role", "coordinator", "--resume", folder);
            Assert.Equal(Program.ExitInvalidInput, exit);
            Assert.Contains("round 100 of 100", errors);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
