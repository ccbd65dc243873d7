using System.Runtime.CompilerServices;

// The tests check the searched parameters (gamma of min-max and min-sum, the anti-filter direction) directly.
[assembly: InternalsVisibleTo("FedActors.Attacks.Tests")]
