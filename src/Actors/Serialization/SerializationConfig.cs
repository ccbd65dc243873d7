using Akka.Configuration;

namespace FedActors.Actors.Serialization;

/// <summary>
/// The serializer bindings every FedActors actor system uses when messages leave the process: vectors in their
/// binary format, everything else through Hyperion. In one process nothing is serialized (akka.actor.serialize-messages
/// stays off) and arrays are handed over by reference.
/// </summary>
public static class SerializationConfig
{
    public static Config Bindings { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers {
            fedactors-vectors = "{{typeof(VectorMessageSerializer).AssemblyQualifiedName}}"
            fedactors-hyperion = "{{typeof(HyperionSerializer).AssemblyQualifiedName}}"
            fedactors-chunks = "{{typeof(RelayChunkSerializer).AssemblyQualifiedName}}"
            fedactors-aggregation = "{{typeof(AggregationMessageSerializer).AssemblyQualifiedName}}"
          }
          serialization-bindings {
            "System.Object" = fedactors-hyperion
            "{{Binding<GradientReady>()}}" = fedactors-vectors
            "{{Binding<RoundStarted>()}}" = fedactors-vectors
            "{{Binding<CoalitionInput>()}}" = fedactors-vectors
            "{{Binding<ForgedGradient>()}}" = fedactors-vectors
            "{{Binding<HonestGradientTapped>()}}" = fedactors-vectors
            "{{Binding<EvaluationRequested>()}}" = fedactors-vectors
            "{{Binding<Cluster.RelayChunk>()}}" = fedactors-chunks
            "{{Binding<Cluster.ShardRowsLoaded>()}}" = fedactors-aggregation
            "{{Binding<Cluster.RemoteRangeWorkAssigned>()}}" = fedactors-aggregation
            "{{Binding<Cluster.RemoteRangeWorkCompleted>()}}" = fedactors-aggregation
          }
        }
        """);

    private static string Binding<T>() => $"{typeof(T).FullName}, {typeof(T).Assembly.GetName().Name}";
}
