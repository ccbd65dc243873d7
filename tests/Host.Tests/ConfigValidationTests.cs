using FedActors.Host.Configuration;
using Xunit;

namespace FedActors.Host.Tests;

public class ConfigValidationTests
{
    private const string Minimal = "fedactors { workers { count = 10, byzantine = 2 } }";

    private static ConfigException Invalid(string hocon, params string[] overrides) =>
        Assert.Throws<ConfigException>(() => ExperimentSettingsParser.Parse(ExperimentConfig.FromText(hocon, overrides)));

    [Fact]
    public void Defaults_resolve_f_from_the_byzantine_count_and_derive_distinct_seeds()
    {
        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Minimal));

        Assert.Equal(2, settings.Aggregator.F);
        Assert.Equal("median", settings.Aggregator.Rule);
        Assert.Equal(32, settings.Training.BatchSize);
        Assert.NotEqual(settings.DataSeed, settings.TrainingSeed);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.RoundDeadline);
    }

    [Fact]
    public void Explicit_seeds_and_f_win_over_auto_and_the_last_set_wins()
    {
        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Minimal,
        [
            "fedactors.seed.data=7", "fedactors.seed.training=8", "fedactors.aggregator.f=1",
            "fedactors.aggregator.rule=trimmed-mean", "fedactors.aggregator.rule=mean", "fedactors.training.batch-size=all",
        ]));

        Assert.Equal((7UL, 8UL, 1), (settings.DataSeed, settings.TrainingSeed, settings.Aggregator.F));
        Assert.Equal("mean", settings.Aggregator.Rule);
        Assert.Null(settings.Training.BatchSize);
    }

    [Fact]
    public void Changing_the_base_seed_changes_both_derived_seeds()
    {
        var a = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Minimal, ["fedactors.seed.base=1"]));
        var b = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Minimal, ["fedactors.seed.base=2"]));

        Assert.NotEqual(a.DataSeed, b.DataSeed);
        Assert.NotEqual(a.TrainingSeed, b.TrainingSeed);
    }

    [Theory]
    [InlineData("fedactors.aggregator.rul = median", "fedactors.aggregator.rul")]
    [InlineData("fedactors.workerz.count = 3", "fedactors.workerz")]
    [InlineData("fedactors.attack.sign-flip.scal = 3", "fedactors.attack.sign-flip.scal")]
    [InlineData("fedactor.rounds = 3", "fedactor")]
    public void An_unknown_key_is_named_with_its_full_path(string line, string path)
    {
        var error = Invalid(line);
        Assert.Equal(path, error.KeyPath);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void An_unknown_key_given_with_set_is_named_too()
    {
        var error = Invalid(Minimal, "fedactors.workers.cuont=5");
        Assert.Equal("fedactors.workers.cuont", error.KeyPath);
        Assert.Contains("--set fedactors.workers.cuont=5", error.Message);
    }

    [Fact]
    public void More_byzantine_workers_than_workers_is_refused()
    {
        var error = Invalid(Minimal, "fedactors.workers.byzantine=500");
        Assert.Equal("fedactors.workers.byzantine", error.KeyPath);
        Assert.Contains("500", error.Message);
    }

    [Theory]
    [InlineData("fedactors.workers.count = ten", "fedactors.workers.count", "whole number")]
    [InlineData("fedactors.workers.count = -3", "fedactors.workers.count", "at least 1")]
    [InlineData("fedactors.workers.byzantine = -1", "fedactors.workers.byzantine", "negative")]
    [InlineData("fedactors.rounds = 0", "fedactors.rounds", "at least 1")]
    [InlineData("fedactors.training.learning-rate = fast", "fedactors.training.learning-rate", "finite number")]
    [InlineData("fedactors.training.learning-rate = -0.1", "fedactors.training.learning-rate", "> 0")]
    [InlineData("fedactors.training.momentum = 1", "fedactors.training.momentum", "< 1")]
    [InlineData("fedactors.training.optimizer = adamw", "fedactors.training.optimizer", "sgd, adam, byzantine-pgd")]
    [InlineData("fedactors.training.optimizer = adam\nfedactors.training.momentum = 0.9", "fedactors.training.momentum", "adam.beta1")]
    [InlineData("fedactors.training.adam.beta1 = -0.1", "fedactors.training.adam.beta1", ">= 0")]
    [InlineData("fedactors.training.adam.beta2 = 1", "fedactors.training.adam.beta2", "< 1")]
    [InlineData("fedactors.training.adam.epsilon = 0", "fedactors.training.adam.epsilon", "> 0")]
    [InlineData("fedactors.training.batch-size = some", "fedactors.training.batch-size", "'all'")]
    [InlineData("fedactors.training.batch-size = 5000", "fedactors.training.batch-size", "smallest worker shard")]
    [InlineData("fedactors.aggregator.shards = 0", "fedactors.aggregator.shards", "at least 1")]
    [InlineData("fedactors.aggregator.rule = krum2", "fedactors.aggregator.rule", "median")]
    [InlineData("fedactors.aggregator.f = -2", "fedactors.aggregator.f", "negative")]
    [InlineData("fedactors.attack.name = flip", "fedactors.attack.name", "sign-flip")]
    [InlineData("fedactors.attack.gaussian.std = -1", "fedactors.attack.gaussian.std", ">= 0")]
    [InlineData("fedactors.round.deadline = soon", "fedactors.round.deadline", "duration")]
    [InlineData("fedactors.attack.knowledge = some", "fedactors.attack.knowledge", "omniscient")]
    [InlineData("fedactors.attack.membership = sometimes", "fedactors.attack.membership", "dynamic")]
    [InlineData("fedactors.attack.coalition.deadline = 60s", "fedactors.attack.coalition.deadline", "shorter than fedactors.round.deadline")]
    [InlineData("fedactors.attack.bit-flip.probability = 2", "fedactors.attack.bit-flip.probability", "<= 1")]
    [InlineData("fedactors.attack.nonfinite.mode = zero", "fedactors.attack.nonfinite.mode", "mixed")]
    [InlineData("fedactors.attack.additive-noise.noise = once", "fedactors.attack.additive-noise.noise", "fixed")]
    [InlineData("fedactors.attack.saddle.mode = median", "fedactors.attack.saddle.mode", "coordinate-median")]
    [InlineData("fedactors.attack.min-max.perturbation = up", "fedactors.attack.min-max.perturbation", "std")]
    [InlineData("fedactors.attack.alie.z = big", "fedactors.attack.alie.z", "finite number")]
    [InlineData("fedactors.attack.name = alie-opt\nfedactors.attack.alie-opt.max-z = 0", "fedactors.attack.alie-opt.max-z", "> 0")]
    [InlineData("fedactors.attack.name = label-flip", "fedactors.attack.name", "classification task")]
    [InlineData("fedactors.model.name = mlp", "fedactors.model.name", "use linear")]
    [InlineData("fedactors.model.name = cnn", "fedactors.model.name", "mlp")]
    [InlineData("fedactors.model.name = lenet", "fedactors.model.name", "fashion-mnist task")]
    [InlineData("fedactors.task.name = cnn", "fedactors.task.name", "linear-regression")]
    [InlineData("fedactors.task.linear-regression.train-samples = 5", "fedactors.task.linear-regression.train-samples", "10 workers")]
    [InlineData("fedactors.seed.base = auto", "fedactors.seed.base", "root seed")]
    [InlineData("fedactors.workers = 5", "fedactors.workers", "block")]
    [InlineData("fedactors.aggregator.pre = nnm", "fedactors.aggregator.pre", "list")]
    [InlineData("fedactors.aggregator.pre = [shuffle]", "fedactors.aggregator.pre", "unknown step 'shuffle'")]
    [InlineData("fedactors.rounds { a = 1 }", "fedactors.rounds", "single value")]
    public void A_bad_value_names_its_key_and_says_what_is_wrong(string line, string path, string hint)
    {
        var error = Invalid(Minimal + "\n" + line);
        Assert.Equal(path, error.KeyPath);
        Assert.Contains(hint, error.Message);
    }

    [Theory]
    [InlineData("median", 5)]
    [InlineData("trimmed-mean", 5)]
    [InlineData("median", 7)]
    public void An_f_too_large_for_the_rule_is_refused_at_aggregator_f(string rule, int f)
    {
        var error = Invalid(Minimal, $"fedactors.aggregator.rule={rule}", $"fedactors.aggregator.f={f}");
        Assert.Equal("fedactors.aggregator.f", error.KeyPath);
        Assert.Contains(rule, error.Message);
        Assert.DoesNotContain("(Parameter", error.Message);
    }

    [Theory]
    [InlineData("geometric-median", "tolerance", "-1", "fedactors.aggregator.geometric-median.tolerance")]
    [InlineData("multi-krum", "m", "many", "fedactors.aggregator.multi-krum.m")]
    [InlineData("bgmd", "selection", "random", "fedactors.aggregator.bgmd.selection")]
    public void A_bad_rule_parameter_names_its_key(string rule, string parameter, string value, string path)
    {
        var error = Invalid(Minimal, $"fedactors.aggregator.rule={rule}", $"fedactors.aggregator.{rule}.{parameter}={value}");
        Assert.Equal(path, error.KeyPath);
    }

    [Fact]
    public void A_pre_step_parameter_is_read_from_its_block()
    {
        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Minimal,
            ["fedactors.aggregator.pre=[bucketing]", "fedactors.aggregator.bucketing.s=2"]));
        Assert.Equal(["bucketing"], settings.Aggregator.Pre);
        Assert.Equal("2", settings.Aggregator.Parameters["bucketing"]["s"]);
        Assert.Equal("bucketing+median", ExperimentSettingsParser.BuildPipeline(settings.Aggregator, settings.Workers).Name);
    }

    [Fact]
    public void Buckets_too_few_for_the_rule_are_refused_with_the_row_count_the_rule_sees()
    {
        // 10 workers in buckets of 3 are 4 rows; a median told f = 2 needs 5.
        var error = Invalid(Minimal, "fedactors.aggregator.pre=[bucketing]", "fedactors.aggregator.bucketing.s=3");
        Assert.Equal("fedactors.aggregator.f", error.KeyPath);
        Assert.Contains("sees 4 rows after bucketing", error.Message);
    }

    [Fact]
    public void The_mean_accepts_any_f_because_it_is_the_baseline_that_breaks()
    {
        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Minimal, ["fedactors.aggregator.rule=mean", "fedactors.aggregator.f=9"]));
        Assert.Equal(9, settings.Aggregator.F);
    }

    [Fact]
    public void A_set_without_a_value_or_an_equals_sign_is_refused()
    {
        Assert.Contains("KEY=VALUE", Invalid(Minimal, "fedactors.rounds").Message);
        Assert.Equal("fedactors.rounds", Invalid(Minimal, "fedactors.rounds=").KeyPath);
    }

    [Fact]
    public void An_experiment_can_include_another_relative_to_itself_and_override_its_keys()
    {
        var directory = RepositoryFiles.NewTemporaryDirectory();
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "base"));
            File.WriteAllText(Path.Combine(directory, "base", "common.conf"), "fedactors { rounds = 7, workers.count = 30 }");
            File.WriteAllText(Path.Combine(directory, "base", "middle.conf"), "include \"common.conf\"\nfedactors.workers.byzantine = 3");
            var child = Path.Combine(directory, "child.conf");
            File.WriteAllText(child, "include \"base/middle.conf\"\nfedactors.rounds = 9");

            var settings = ExperimentSettingsParser.Parse(ExperimentConfig.Load(child, []));

            Assert.Equal((9, 30, 3), (settings.Rounds, settings.Workers, settings.Byzantine));

            File.WriteAllText(child, "include \"base/none.conf\"");
            var missing = Assert.Throws<ConfigException>(() => ExperimentConfig.Load(child, []));
            Assert.Equal(child, missing.KeyPath);
            Assert.Contains(Path.Combine(directory, "base", "none.conf"), missing.Message);

            File.WriteAllText(child, "include \"child.conf\"");
            Assert.Contains("deep", Assert.Throws<ConfigException>(() => ExperimentConfig.Load(child, [])).Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_unknown_key_that_exists_in_another_block_is_pointed_there()
    {
        var error = Assert.Throws<ConfigException>(() => ExperimentConfig.FromText("", ["fedactors.data.path=/srv/fashion"]));

        Assert.Equal("fedactors.data.path", error.KeyPath);
        Assert.EndsWith("; did you mean fedactors.task.fashion-mnist.path?", error.Message);
        Assert.DoesNotContain("did you mean", Assert.Throws<ConfigException>(() => ExperimentConfig.FromText("fedactors.data.pth = 1")).Message);
    }

    [Fact]
    public void A_missing_experiment_file_is_named()
    {
        var error = Assert.Throws<ConfigException>(() => ExperimentConfig.Load("/no/such/experiment.conf", []));
        Assert.Equal("/no/such/experiment.conf", error.KeyPath);
    }

    [Fact]
    public void An_akka_block_in_an_experiment_is_allowed_and_passed_through()
    {
        var config = ExperimentConfig.FromText(Minimal + "\nakka.loglevel = DEBUG");
        Assert.Equal("DEBUG", config.GetString("akka.loglevel"));
    }

    private const string Classification = "fedactors { workers { count = 10, byzantine = 2 }\n task.name = logistic-regression }";

    [Fact]
    public void A_backdoor_target_outside_the_tasks_classes_names_its_key()
    {
        var error = Invalid(Classification, "fedactors.attack.name=backdoor", "fedactors.attack.backdoor.target-class=10");
        Assert.Equal("fedactors.attack.backdoor.target-class", error.KeyPath);
        Assert.Contains("10 classes", error.Message);
    }

    [Fact]
    public void Alie_with_z_from_n_and_f_refuses_a_byzantine_majority_and_accepts_an_explicit_z()
    {
        var error = Invalid(Minimal, "fedactors.attack.name=alie", "fedactors.workers.byzantine=5", "fedactors.aggregator.rule=mean");
        Assert.Equal("fedactors.attack.alie.z", error.KeyPath);

        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Minimal,
            ["fedactors.attack.name=alie", "fedactors.workers.byzantine=5", "fedactors.aggregator.rule=mean", "fedactors.attack.alie.z=1.5"]));
        Assert.Equal(1.5, settings.Attack.Parameters.AlieZ);
    }

    [Fact]
    public void The_threat_model_and_the_chosen_attacks_parameters_are_read_with_their_kinds()
    {
        var settings = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Classification,
        [
            "fedactors.attack.name=ipm", "fedactors.attack.ipm.epsilon=0.5", "fedactors.attack.knowledge=omniscient",
            "fedactors.attack.membership=dynamic", "fedactors.attack.coalition.deadline=5s", "fedactors.model.name=mlp",
            "fedactors.model.mlp.hidden=[32, 16]", "fedactors.attack.additive-noise.noise=fixed",
        ]));

        Assert.Equal(FedActors.Attacks.AttackKind.Coalition, settings.Attack.Kind);
        Assert.Equal(FedActors.Attacks.AdversaryKnowledge.Omniscient, settings.Attack.Knowledge);
        Assert.Equal(FedActors.Attacks.Membership.Dynamic, settings.Attack.Membership);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Attack.CoalitionDeadline);
        Assert.Equal(0.5, settings.Attack.Parameters.IpmEpsilon);
        Assert.True(settings.Attack.Parameters.AdditiveNoiseFixed);
        Assert.Equal("mlp", settings.Model.Name);
        Assert.Equal([32, 16], settings.Model.Hidden);
    }

    [Fact]
    public void Data_attack_bounds_default_to_the_shards_range_and_take_numbers_or_auto()
    {
        var defaults = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Classification, ["fedactors.attack.name=impulse"]));
        var p = defaults.Attack.Parameters;
        Assert.Equal(new double?[] { null, null, null, null, null },
            [p.FeatureNoiseMin, p.FeatureNoiseMax, p.ImpulseMin, p.ImpulseMax, p.BackdoorTriggerValue]);

        var given = ExperimentSettingsParser.Parse(ExperimentConfig.FromText(Classification,
            ["fedactors.attack.name=feature-noise", "fedactors.attack.feature-noise.min=-0.81", "fedactors.attack.feature-noise.max=auto"]));
        Assert.Equal((-0.81, null), (given.Attack.Parameters.FeatureNoiseMin, given.Attack.Parameters.FeatureNoiseMax));

        var error = Invalid(Classification, "fedactors.attack.name=impulse", "fedactors.attack.impulse.max=white");
        Assert.Equal("fedactors.attack.impulse.max", error.KeyPath);
    }
}
