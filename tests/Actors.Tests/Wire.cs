using Akka.Actor;
using FedActors.Learning;

namespace FedActors.Actors.Tests;

/// <summary>What the serialization specs share: a message through the serializer Akka binds to it, and seeded vectors.</summary>
internal static class Wire
{
    public static object RoundTrip(ActorSystem system, object message)
    {
        var serializer = system.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }

    public static float[] Values(int count, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (float)random.NextGaussian();
        return values;
    }
}
