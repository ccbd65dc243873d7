using FedActors.Learning;

namespace FedActors.Attacks;

/// <summary>What an attack corrupts, which decides who runs it.</summary>
public enum AttackKind
{
    /// <summary><c>none</c>: Byzantine workers behave honestly.</summary>
    None,

    /// <summary>An <see cref="ILocalAttack"/>: each Byzantine worker rewrites its own gradient every round.</summary>
    Local,

    /// <summary>An <see cref="IDataPoisoning"/>: applied once to each Byzantine worker's shard; the worker then trains honestly on it.</summary>
    DataPoisoning,

    /// <summary>An <see cref="ICoalitionAttack"/>: the coalition forges every member's report each round from what it knows.</summary>
    Coalition,
}

/// <summary>
/// The parameters of every attack, one property per config key <c>fedactors.attack.&lt;name&gt;.&lt;key&gt;</c>: the property
/// is the attack's name and the key in PascalCase (<c>scaled.scale</c> is <see cref="ScaledScale"/>,
/// <c>alie-opt.max-z</c> is <see cref="AlieOptMaxZ"/>). Every default is the value written here. The first three
/// are positional for the callers that predate the other kinds.
/// </summary>
/// <param name="SignFlipScale">sign-flip.scale: s of -s g (default 1).</param>
/// <param name="GaussianMean">gaussian.mean: mean of each reported coordinate (default 0).</param>
/// <param name="GaussianStd">gaussian.std: standard deviation of each reported coordinate (default 200).</param>
public sealed record AttackParameters(double SignFlipScale = 1.0, double GaussianMean = 0.0, double GaussianStd = 200.0)
{
    /// <summary>scaled.scale: s of -s g (default 100, the "-100 g" of Acharya et al. 2022).</summary>
    public double ScaledScale { get; init; } = ScaledAttack.DefaultScale;

    /// <summary>additive-noise.sigma: standard deviation of the noise added to g (default 10).</summary>
    public double AdditiveNoiseSigma { get; init; } = AdditiveNoiseAttack.DefaultSigma;

    /// <summary>additive-noise.noise = fixed: each worker draws its noise once and adds it every round (default fresh, redrawn every round).</summary>
    public bool AdditiveNoiseFixed { get; init; }

    /// <summary>nonfinite.mode: nan | inf | mixed (default nan; see <see cref="NonFiniteMode"/>).</summary>
    public NonFiniteMode NonFiniteMode { get; init; } = NonFiniteMode.Nan;

    /// <summary>bit-flip.probability: probability that each bit of each float is flipped (default 1/32, one bit per float on average).</summary>
    public double BitFlipProbability { get; init; } = BitFlipAttack.DefaultProbability;

    /// <summary>backdoor.target-class: the class poisoned samples are relabelled to (default 8).</summary>
    public int BackdoorTargetClass { get; init; } = BackdoorPoisoning.DefaultTargetClass;

    /// <summary>backdoor.fraction: share of the shard's samples relabelled (default 1, all).</summary>
    public double BackdoorFraction { get; init; } = 1.0;

    /// <summary>backdoor.trigger-features: how many trailing features of a relabelled sample are stamped (default 0, no trigger).</summary>
    public int BackdoorTriggerFeatures { get; init; }

    /// <summary>backdoor.trigger-value: the stamped value (default 1, a white pixel in [0, 1]; null, "auto" in a config: the
    /// shard's largest feature).</summary>
    public double? BackdoorTriggerValue { get; init; } = 1.0;

    /// <summary>feature-noise.sigma: standard deviation of the noise added to each feature (default 10, variance 100).</summary>
    public double FeatureNoiseSigma { get; init; } = FeatureNoisePoisoning.DefaultSigma;

    /// <summary>feature-noise.min: lower clip of noisy features (default 0; -inf disables; null, "auto" in a config: the
    /// shard's smallest feature).</summary>
    public double? FeatureNoiseMin { get; init; } = 0.0;

    /// <summary>feature-noise.max: upper clip of noisy features (default 1; +inf disables; null: the shard's largest
    /// feature).</summary>
    public double? FeatureNoiseMax { get; init; } = 1.0;

    /// <summary>impulse.fraction: share of each sample's features set to min or max (default 0.1).</summary>
    public double ImpulseFraction { get; init; } = ImpulsePoisoning.DefaultFraction;

    /// <summary>impulse.min: the "pepper" value (default 0; null: the shard's smallest feature).</summary>
    public double? ImpulseMin { get; init; } = 0.0;

    /// <summary>impulse.max: the "salt" value (default 1; null: the shard's largest feature).</summary>
    public double? ImpulseMax { get; init; } = 1.0;

    /// <summary>alie.z: fixed z of mu - z sigma (default null: the paper's z_max from n and f each round).</summary>
    public double? AlieZ { get; init; }

    /// <summary>ipm.epsilon: epsilon of -epsilon mu (default 0.1).</summary>
    public double IpmEpsilon { get; init; } = IpmAttack.DefaultEpsilon;

    /// <summary>min-max.perturbation: unit | sign | std (default unit, the authors' code default).</summary>
    public Perturbation MinMaxPerturbation { get; init; } = Perturbation.Unit;

    /// <summary>min-sum.perturbation: unit | sign | std (default unit).</summary>
    public Perturbation MinSumPerturbation { get; init; } = Perturbation.Unit;

    /// <summary>alie-opt.max-z: upper end of the search for z (default 10).</summary>
    public double AlieOptMaxZ { get; init; } = AlieOptAttack.DefaultMaxZ;

    /// <summary>alie-opt.grid-points: grid of the search (default 11).</summary>
    public int AlieOptGridPoints { get; init; } = LineSearch.DefaultGridPoints;

    /// <summary>alie-opt.refine-steps: golden-section steps after the grid (default 12).</summary>
    public int AlieOptRefineSteps { get; init; } = LineSearch.DefaultRefineSteps;

    /// <summary>ipm-opt.max-epsilon: upper end of the search for epsilon (default 10).</summary>
    public double IpmOptMaxEpsilon { get; init; } = IpmOptAttack.DefaultMaxEpsilon;

    /// <summary>ipm-opt.grid-points (default 11).</summary>
    public int IpmOptGridPoints { get; init; } = LineSearch.DefaultGridPoints;

    /// <summary>ipm-opt.refine-steps (default 12).</summary>
    public int IpmOptRefineSteps { get; init; } = LineSearch.DefaultRefineSteps;

    /// <summary>anti-filter.noise: per-coordinate standard deviation of each member's own noise (default 0: identical rows).</summary>
    public double AntiFilterNoise { get; init; }

    /// <summary>saddle.max-scale: upper end of the search for c of -c mu (default null: 2 (n - f) / f of the round).</summary>
    public double? SaddleMaxScale { get; init; }

    /// <summary>saddle.grid-points (default 11).</summary>
    public int SaddleGridPoints { get; init; } = LineSearch.DefaultGridPoints;

    /// <summary>saddle.refine-steps (default 12).</summary>
    public int SaddleRefineSteps { get; init; } = LineSearch.DefaultRefineSteps;

    /// <summary>saddle.mode (default scaled-mean).</summary>
    public SaddleMode SaddleMode { get; init; } = SaddleMode.ScaledMean;
}

/// <summary>Creates attacks by their config name, so a run switches attack with one config line.</summary>
public static class AttackCatalog
{
    /// <summary>The name of a clean run: Byzantine workers (if any) behave honestly.</summary>
    public const string None = "none";

    /// <summary>Tag of the anti-filter direction's seed under the run's seed.</summary>
    private const ulong AntiFilterDirectionTag = 0x616E_7469_6669_6C74; // "antifilt"

    private static readonly (string Name, AttackKind Kind)[] Catalog =
    [
        (None, AttackKind.None),
        ("sign-flip", AttackKind.Local),
        ("scaled", AttackKind.Local),
        ("additive-noise", AttackKind.Local),
        ("gaussian", AttackKind.Local),
        ("zero", AttackKind.Local),
        ("nonfinite", AttackKind.Local),
        ("bit-flip", AttackKind.Local),
        ("label-flip", AttackKind.DataPoisoning),
        ("backdoor", AttackKind.DataPoisoning),
        ("feature-noise", AttackKind.DataPoisoning),
        ("impulse", AttackKind.DataPoisoning),
        ("alie", AttackKind.Coalition),
        ("ipm", AttackKind.Coalition),
        ("mimic", AttackKind.Coalition),
        ("min-max", AttackKind.Coalition),
        ("min-sum", AttackKind.Coalition),
        ("alie-opt", AttackKind.Coalition),
        ("ipm-opt", AttackKind.Coalition),
        ("anti-filter", AttackKind.Coalition),
        ("saddle", AttackKind.Coalition),
    ];

    /// <summary>Every config name, <see cref="None"/> first, then local, data-poisoning and coalition attacks.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Catalog.Select(entry => entry.Name).ToArray());

    /// <summary>Which kind <paramref name="name"/> is; ArgumentException naming the known attacks for an unknown name.</summary>
    public static AttackKind KindOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var entry in Catalog)
        {
            if (entry.Name == name)
                return entry.Kind;
        }
        throw new ArgumentException($"unknown attack '{name}'; known attacks: {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>The local attack <paramref name="name"/>; ArgumentException if the name is unknown or of another kind.</summary>
    public static ILocalAttack CreateLocal(string name, AttackParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Expect(name, AttackKind.Local);
        return name switch
        {
            "sign-flip" => new SignFlipAttack(parameters.SignFlipScale),
            "scaled" => new ScaledAttack(parameters.ScaledScale),
            "additive-noise" => new AdditiveNoiseAttack(parameters.AdditiveNoiseSigma, parameters.AdditiveNoiseFixed),
            "gaussian" => new GaussianAttack(parameters.GaussianMean, parameters.GaussianStd),
            "zero" => new ZeroAttack(),
            "nonfinite" => new NonFiniteAttack(parameters.NonFiniteMode),
            _ => new BitFlipAttack(parameters.BitFlipProbability),
        };
    }

    /// <summary>The data-poisoning attack <paramref name="name"/>; ArgumentException if unknown or of another kind.</summary>
    public static IDataPoisoning CreateDataPoisoning(string name, AttackParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Expect(name, AttackKind.DataPoisoning);
        return name switch
        {
            "label-flip" => new LabelFlipPoisoning(),
            "backdoor" => new BackdoorPoisoning(parameters.BackdoorTargetClass, parameters.BackdoorFraction,
                parameters.BackdoorTriggerFeatures, parameters.BackdoorTriggerValue),
            "feature-noise" => new FeatureNoisePoisoning(parameters.FeatureNoiseSigma, parameters.FeatureNoiseMin, parameters.FeatureNoiseMax),
            _ => new ImpulsePoisoning(parameters.ImpulseFraction, parameters.ImpulseMin, parameters.ImpulseMax),
        };
    }

    /// <summary>
    /// The coalition attack <paramref name="name"/>; ArgumentException if unknown or of another kind.
    /// <paramref name="runSeed"/> (the run's training seed) fixes what must stay the same for the whole run: the
    /// anti-filter direction.
    /// </summary>
    public static ICoalitionAttack CreateCoalition(string name, AttackParameters parameters, ulong runSeed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Expect(name, AttackKind.Coalition);
        return name switch
        {
            "alie" => new AlieAttack(parameters.AlieZ),
            "ipm" => new IpmAttack(parameters.IpmEpsilon),
            "mimic" => new MimicAttack(),
            "min-max" => new MinMaxAttack(parameters.MinMaxPerturbation),
            "min-sum" => new MinSumAttack(parameters.MinSumPerturbation),
            "alie-opt" => new AlieOptAttack(parameters.AlieOptMaxZ, new LineSearch(parameters.AlieOptGridPoints, parameters.AlieOptRefineSteps)),
            "ipm-opt" => new IpmOptAttack(parameters.IpmOptMaxEpsilon, new LineSearch(parameters.IpmOptGridPoints, parameters.IpmOptRefineSteps)),
            "anti-filter" => new AntiFilterAttack(SeedMixer.Derive(runSeed, AntiFilterDirectionTag), parameters.AntiFilterNoise),
            _ => new SaddleAttack(parameters.SaddleMaxScale, new LineSearch(parameters.SaddleGridPoints, parameters.SaddleRefineSteps),
                parameters.SaddleMode),
        };
    }

    /// <summary>
    /// For callers that run local attacks only: null for <see cref="None"/>, the local attack otherwise, and an
    /// ArgumentException naming the kind for a data-poisoning or coalition attack.
    /// </summary>
    public static ILocalAttack? Create(string name, AttackParameters parameters) =>
        KindOf(name) == AttackKind.None ? null : CreateLocal(name, parameters);

    private static void Expect(string name, AttackKind kind)
    {
        var actual = KindOf(name);
        if (actual != kind)
            throw new ArgumentException($"attack '{name}' is a {Describe(actual)} attack, not a {Describe(kind)} one", nameof(name));
    }

    private static string Describe(AttackKind kind) => kind switch
    {
        AttackKind.None => "no-op",
        AttackKind.Local => "local",
        AttackKind.DataPoisoning => "data-poisoning",
        _ => "coalition",
    };
}
