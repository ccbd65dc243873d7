namespace FedActors.Attacks;

/// <summary>The attack parameters the simulator reads from <c>fedactors.attack</c>.</summary>
public sealed record AttackParameters(double SignFlipScale = 1.0, double GaussianMean = 0.0, double GaussianStd = 200.0);

/// <summary>Creates attacks by their config name, so a run switches attack with one config line.</summary>
public static class AttackCatalog
{
    /// <summary>The name of a clean run: Byzantine workers (if any) behave honestly.</summary>
    public const string None = "none";

    public static IReadOnlyList<string> Names { get; } = [None, "sign-flip", "gaussian"];

    /// <summary>Returns null for <see cref="None"/>; throws ArgumentException naming the known attacks otherwise.</summary>
    public static ILocalAttack? Create(string name, AttackParameters parameters) => name switch
    {
        None => null,
        "sign-flip" => new SignFlipAttack(parameters.SignFlipScale),
        "gaussian" => new GaussianAttack(parameters.GaussianMean, parameters.GaussianStd),
        _ => throw new ArgumentException($"unknown attack '{name}'; known attacks: {string.Join(", ", Names)}", nameof(name)),
    };
}
