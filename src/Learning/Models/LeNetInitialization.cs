namespace FedActors.Learning;

/// <summary>How <see cref="LeNetModel"/>'s parameters start.</summary>
public enum LeNetInitialization
{
    /// <summary>Weights U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), biases 0: He et al. 2015's scale for ReLU layers.</summary>
    HeUniform,

    /// <summary>
    /// Weights and biases U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)): PyTorch's default for Conv2d and Linear (Kaiming
    /// uniform with a = sqrt(5)), which papers whose code never initialises its layers trained with. The weights are
    /// sqrt(6) times smaller than He-uniform's.
    /// </summary>
    TorchDefault,
}
