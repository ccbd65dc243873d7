using Xunit;

namespace FedActors.Attacks.Tests;

public class AttackCatalogTests
{
    [Fact]
    public void Names_are_the_config_names_in_kind_order()
    {
        Assert.Equal(
            ["none", "sign-flip", "scaled", "additive-noise", "gaussian", "zero", "nonfinite", "bit-flip", "label-flip", "backdoor",
             "feature-noise", "impulse", "alie", "ipm", "mimic", "min-max", "min-sum", "alie-opt", "ipm-opt", "anti-filter", "saddle"],
            AttackCatalog.Names);
    }

    [Fact]
    public void Every_name_creates_an_attack_of_its_kind_with_that_name()
    {
        var parameters = new AttackParameters();
        foreach (var name in AttackCatalog.Names)
        {
            var actual = AttackCatalog.KindOf(name) switch
            {
                AttackKind.None => AttackCatalog.None,
                AttackKind.Local => AttackCatalog.CreateLocal(name, parameters).Name,
                AttackKind.DataPoisoning => AttackCatalog.CreateDataPoisoning(name, parameters).Name,
                _ => AttackCatalog.CreateCoalition(name, parameters, runSeed: 1).Name,
            };
            Assert.Equal(name, actual);
        }
    }

    [Fact]
    public void Typed_parameters_reach_the_attacks()
    {
        var parameters = new AttackParameters(SignFlipScale: 4, GaussianMean: 1, GaussianStd: 2)
        {
            ScaledScale = 50, AdditiveNoiseSigma = 3, AdditiveNoiseFixed = true, NonFiniteMode = NonFiniteMode.Inf, BitFlipProbability = 0.5,
            BackdoorTargetClass = 2, BackdoorFraction = 0.4, FeatureNoiseSigma = 7, ImpulseFraction = 0.9,
            AlieZ = 1.25, IpmEpsilon = 0.5, MinMaxPerturbation = Perturbation.Sign, MinSumPerturbation = Perturbation.Std,
            AlieOptMaxZ = 4, AlieOptGridPoints = 5, IpmOptMaxEpsilon = 3, SaddleMaxScale = 6, SaddleRefineSteps = 2,
            AntiFilterNoise = 0.2,
        };

        Assert.Equal(4, Assert.IsType<SignFlipAttack>(AttackCatalog.CreateLocal("sign-flip", parameters)).Scale);
        var gaussian = Assert.IsType<GaussianAttack>(AttackCatalog.CreateLocal("gaussian", parameters));
        Assert.Equal((1.0, 2.0), (gaussian.Mean, gaussian.Std));
        Assert.Equal(50, Assert.IsType<ScaledAttack>(AttackCatalog.CreateLocal("scaled", parameters)).Scale);
        var additive = Assert.IsType<AdditiveNoiseAttack>(AttackCatalog.CreateLocal("additive-noise", parameters));
        Assert.Equal((3.0, true), (additive.Sigma, additive.DrawsOnce));
        Assert.Equal(NonFiniteMode.Inf, Assert.IsType<NonFiniteAttack>(AttackCatalog.CreateLocal("nonfinite", parameters)).Mode);
        Assert.Equal(0.5, Assert.IsType<BitFlipAttack>(AttackCatalog.CreateLocal("bit-flip", parameters)).Probability);
        var backdoor = Assert.IsType<BackdoorPoisoning>(AttackCatalog.CreateDataPoisoning("backdoor", parameters));
        Assert.Equal((2, 0.4), (backdoor.TargetClass, backdoor.Fraction));
        Assert.Equal(7, Assert.IsType<FeatureNoisePoisoning>(AttackCatalog.CreateDataPoisoning("feature-noise", parameters)).Sigma);
        Assert.Equal(0.9, Assert.IsType<ImpulsePoisoning>(AttackCatalog.CreateDataPoisoning("impulse", parameters)).Fraction);
        Assert.Equal(1.25, Assert.IsType<AlieAttack>(AttackCatalog.CreateCoalition("alie", parameters, 1)).Z);
        Assert.Equal(0.5, Assert.IsType<IpmAttack>(AttackCatalog.CreateCoalition("ipm", parameters, 1)).Epsilon);
        Assert.Equal(Perturbation.Sign, Assert.IsType<MinMaxAttack>(AttackCatalog.CreateCoalition("min-max", parameters, 1)).Perturbation);
        Assert.Equal(Perturbation.Std, Assert.IsType<MinSumAttack>(AttackCatalog.CreateCoalition("min-sum", parameters, 1)).Perturbation);
        var alieOpt = Assert.IsType<AlieOptAttack>(AttackCatalog.CreateCoalition("alie-opt", parameters, 1));
        Assert.Equal((4.0, 5, LineSearch.DefaultRefineSteps), (alieOpt.MaxZ, alieOpt.Search.GridPoints, alieOpt.Search.RefineSteps));
        Assert.Equal(3, Assert.IsType<IpmOptAttack>(AttackCatalog.CreateCoalition("ipm-opt", parameters, 1)).MaxEpsilon);
        var saddle = Assert.IsType<SaddleAttack>(AttackCatalog.CreateCoalition("saddle", parameters, 1));
        Assert.Equal((6.0, 2), (saddle.MaxScale, saddle.Search.RefineSteps));
        Assert.Equal(0.2, Assert.IsType<AntiFilterAttack>(AttackCatalog.CreateCoalition("anti-filter", parameters, 1)).Noise);
    }

    [Fact]
    public void The_anti_filter_direction_seed_derives_from_the_run_seed()
    {
        var parameters = new AttackParameters();
        var a = (AntiFilterAttack)AttackCatalog.CreateCoalition("anti-filter", parameters, runSeed: 5);
        var b = (AntiFilterAttack)AttackCatalog.CreateCoalition("anti-filter", parameters, runSeed: 5);
        var c = (AntiFilterAttack)AttackCatalog.CreateCoalition("anti-filter", parameters, runSeed: 6);
        Assert.Equal(a.DirectionSeed, b.DirectionSeed);
        Assert.NotEqual(a.DirectionSeed, c.DirectionSeed);
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var p = new AttackParameters();
        Assert.Equal((1.0, 0.0, 200.0, 100.0, 10.0), (p.SignFlipScale, p.GaussianMean, p.GaussianStd, p.ScaledScale, p.AdditiveNoiseSigma));
        Assert.False(p.AdditiveNoiseFixed);
        Assert.Equal((NonFiniteMode.Nan, 1.0 / 32), (p.NonFiniteMode, p.BitFlipProbability));
        Assert.Equal((8, 1.0, 0, 1.0), (p.BackdoorTargetClass, p.BackdoorFraction, p.BackdoorTriggerFeatures, p.BackdoorTriggerValue));
        Assert.Equal((10.0, 0.0, 1.0), (p.FeatureNoiseSigma, p.FeatureNoiseMin, p.FeatureNoiseMax));
        Assert.Equal((0.1, 0.0, 1.0), (p.ImpulseFraction, p.ImpulseMin, p.ImpulseMax));
        Assert.Equal((null, 0.1), (p.AlieZ, p.IpmEpsilon));
        Assert.Equal((Perturbation.Unit, Perturbation.Unit), (p.MinMaxPerturbation, p.MinSumPerturbation));
        Assert.Equal((10.0, 11, 12, 10.0), (p.AlieOptMaxZ, p.AlieOptGridPoints, p.AlieOptRefineSteps, p.IpmOptMaxEpsilon));
        Assert.Equal(((double?)null, 11, 12, 0.0), (p.SaddleMaxScale, p.SaddleGridPoints, p.SaddleRefineSteps, p.AntiFilterNoise));
    }

    [Fact]
    public void Wrong_kind_and_unknown_names_are_explained()
    {
        var parameters = new AttackParameters();
        var wrongKind = Assert.Throws<ArgumentException>(() => AttackCatalog.CreateLocal("alie", parameters));
        Assert.Contains("coalition", wrongKind.Message);
        Assert.Equal("name", wrongKind.ParamName);
        Assert.Contains("data-poisoning", Assert.Throws<ArgumentException>(() => AttackCatalog.CreateCoalition("backdoor", parameters, 1)).Message);

        var unknown = Assert.Throws<ArgumentException>(() => AttackCatalog.KindOf("sign-flp"));
        Assert.Contains("sign-flp", unknown.Message);
        Assert.Contains("sign-flip", unknown.Message);
    }

    [Fact]
    public void Create_serves_callers_that_run_local_attacks_only()
    {
        var parameters = new AttackParameters(SignFlipScale: 4);
        Assert.Null(AttackCatalog.Create("none", parameters));
        Assert.Equal(4, Assert.IsType<SignFlipAttack>(AttackCatalog.Create("sign-flip", parameters)).Scale);
        Assert.Contains("coalition", Assert.Throws<ArgumentException>(() => AttackCatalog.Create("min-max", parameters)).Message);
    }

    [Fact]
    public void A_tuned_attacks_bad_upper_end_names_its_own_constructor_parameter()
    {
        Assert.Equal("maxZ", Assert.Throws<ArgumentOutOfRangeException>(() => new AlieOptAttack(0)).ParamName);
        Assert.Equal("maxEpsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new IpmOptAttack(double.NaN)).ParamName);
    }
}
