using System.Runtime.CompilerServices;

// The tests pin the raw generator to its published reference vectors, which needs the internal state constructor.
[assembly: InternalsVisibleTo("FedActors.Learning.Tests")]
