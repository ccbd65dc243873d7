using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// A colluding attack: computed once per round by the coalition of all Byzantine workers from what the coalition
/// knows, and handed back to the members, one row each.
/// </summary>
public interface ICoalitionAttack
{
    /// <summary>The config name (<c>fedactors.attack.name</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Writes one malicious vector per member into the first <c>output.Rows</c> rows of <paramref name="output"/>
    /// (member rows in worker-id order; <c>output.Columns</c> = d). <paramref name="random"/> is the coalition's stream
    /// for this round; an attack draws nothing from anywhere else.
    /// </summary>
    void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random);
}
