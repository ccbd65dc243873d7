using FedActors.Host.Configuration;
using FedActors.Host.Sweeps;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>A sweep file's mistakes stop the sweep before anything runs, naming the key or the cell at fault.</summary>
public class SweepConfigTests
{
    private static string WriteSweep(string body)
    {
        var path = Path.Combine(RepositoryFiles.NewTemporaryDirectory(), "sweep.conf");
        File.WriteAllText(path, $"sweep {{\n  experiment = \"{RepositoryFiles.Experiment("attacks-synthetic.conf")}\"\n{body}\n}}\n");
        return path;
    }

    private const string Grid = "rules = [median]\n attacks = [none]\n byzantine-fractions = [0.2]\n seeds = [1]";

    [Theory]
    [InlineData("rules = [median]\n attacks = [none]\n byzantine-fractions = [0.2]\n seeds = [1]\n rulez = [mean]", "sweep.rulez")]
    [InlineData("rules = [median]\n attacks = [none]\n byzantine-fractions = [1.5]\n seeds = [1]", "sweep.byzantine-fractions")]
    [InlineData("rules = [median]\n attacks = [none]\n byzantine-fractions = [-0.1]\n seeds = [1]", "sweep.byzantine-fractions")]
    [InlineData("rules = []\n attacks = [none]\n byzantine-fractions = [0.2]\n seeds = [1]", "sweep.rules")]
    [InlineData("rules = [median]\n attacks = [none]\n byzantine-fractions = [0.2]", "sweep.seeds")]
    [InlineData("rules = [median]\n attacks = [none]\n byzantine-fractions = [0.2]\n seeds = [1, x]", "sweep.seeds")]
    [InlineData("rules = [median, median]\n attacks = [none]\n byzantine-fractions = [0.2]\n seeds = [1]", "sweep.rules")]
    [InlineData("rules = median\n attacks = [none]\n byzantine-fractions = [0.2]\n seeds = [1]", "sweep.rules")]
    [InlineData(Grid + "\n set = [\"fedactors.aggregator.rule=mean\"]", "sweep.set")]
    public void A_malformed_sweep_block_is_refused_naming_the_key(string body, string keyPath)
    {
        var error = Assert.Throws<ConfigException>(() => SweepDefinition.Load(WriteSweep(body)));

        Assert.Equal(keyPath, error.KeyPath);
    }

    [Fact]
    public void A_top_level_key_other_than_sweep_is_refused()
    {
        var path = WriteSweep(Grid);
        File.AppendAllText(path, "fedactors.rounds = 3\n");

        var error = Assert.Throws<ConfigException>(() => SweepDefinition.Load(path));

        Assert.Equal("fedactors", error.KeyPath);
    }

    [Fact]
    public void An_experiment_path_is_relative_to_the_sweep_file()
    {
        var folder = RepositoryFiles.NewTemporaryDirectory();
        File.Copy(RepositoryFiles.Experiment("quickstart.conf"), Path.Combine(folder, "base.conf"));
        var sweep = Path.Combine(folder, "grid.conf");
        File.WriteAllText(sweep, "sweep { experiment = base.conf\n" + Grid + " }");

        var definition = SweepDefinition.Load(sweep);

        Assert.Equal(Path.Combine(folder, "base.conf"), definition.ExperimentPath);
        File.WriteAllText(sweep, "sweep { experiment = missing.conf\n" + Grid + " }");
        Assert.Equal("sweep.experiment", Assert.Throws<ConfigException>(() => SweepDefinition.Load(sweep)).KeyPath);
    }

    [Fact]
    public void Each_cell_gets_the_rule_attack_rounded_byzantine_count_and_seed_in_grid_order()
    {
        // attacks-synthetic has 50 workers: 0.1 -> 5, 0.25 -> 12.5 rounded up to 13.
        var plan = SweepPlan.Create(SweepDefinition.Load(WriteSweep(
            "rules = [mean, median]\n attacks = [none, sign-flip]\n byzantine-fractions = [0.1, 0.25]\n seeds = [7, 3]\n set = [\"fedactors.rounds=4\"]")));

        Assert.Equal(16, plan.Cells.Count);
        Assert.Equal("mean/none/byz-0.1/seed-7", plan.Cells[0].Label);
        Assert.Equal("mean/none/byz-0.1/seed-3", plan.Cells[1].Label);
        Assert.Equal("mean/none/byz-0.25/seed-7", plan.Cells[2].Label);
        Assert.Equal("median/sign-flip/byz-0.25/seed-3", plan.Cells[15].Label);
        var last = plan.Cells[15].Settings;
        Assert.Equal(("median", "sign-flip", 13, 3UL, 4), (last.Aggregator.Rule, last.Attack.Name, last.Byzantine, last.BaseSeed, last.Rounds));
        Assert.Equal(5, plan.Cells[0].Settings.Byzantine);
    }

    [Fact]
    public void A_cell_that_fails_validation_stops_the_sweep_naming_the_cell_and_key_before_anything_is_written()
    {
        // Krum needs n > 2f + 2: with 50 workers, 0.48 gives f = 24, too many; the median tolerates it.
        var sweep = WriteSweep("rules = [median, krum]\n attacks = [none]\n byzantine-fractions = [0.2, 0.48]\n seeds = [1]");
        var results = Path.Combine(RepositoryFiles.NewTemporaryDirectory(), "never-created");
        var error = new StringWriter();

        var exit = SweepCommand.Execute(sweep, results, TextWriter.Null, error, interactive: false, "test");

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("cell krum/none/byz-0.48/seed-1", error.ToString());
        Assert.Contains("fedactors.aggregator.f", error.ToString());
        Assert.False(Directory.Exists(results), "nothing may be written before every cell is valid");
    }

    [Fact]
    public void An_unknown_rule_names_the_cell_and_the_rule_key()
    {
        var sweep = WriteSweep("rules = [median, medain]\n attacks = [none]\n byzantine-fractions = [0.2]\n seeds = [1]");

        var error = Assert.Throws<ConfigException>(() => SweepPlan.Create(SweepDefinition.Load(sweep)));

        Assert.StartsWith("cell medain/none/byz-0.2/seed-1", error.KeyPath);
        Assert.Contains("fedactors.aggregator.rule", error.Message);
    }

    [Fact]
    public void A_bad_override_in_set_is_reported_as_the_sweeps()
    {
        var sweep = WriteSweep(Grid + "\n set = [\"fedactors.roundz=3\"]");

        var error = Assert.Throws<ConfigException>(() => SweepPlan.Create(SweepDefinition.Load(sweep)));

        Assert.Equal("sweep.set", error.KeyPath);
        Assert.Contains("fedactors.roundz", error.Message);
    }
}
