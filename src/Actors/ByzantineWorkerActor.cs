using Akka.Actor;

namespace FedActors.Actors;

/// <summary>
/// A Byzantine worker with a local attack: computes its honest gradient (all it is allowed to know on its own), then
/// reports what the attack forges from it, through the same message an honest worker sends.
/// </summary>
public sealed class ByzantineWorkerActor : ReceiveActor
{
    public ByzantineWorkerActor(WorkerSetup setup)
    {
        var attack = setup.Attack ?? throw new ArgumentException($"worker {setup.WorkerId} is Byzantine but has no attack", nameof(setup));
        var honest = new HonestGradient(setup);
        var forged = new float[setup.Model.ParameterCount];
        Receive<RoundStarted>(round =>
        {
            var loss = honest.Compute(round);
            var random = RandomStreams.For(setup.TrainingSeed, RandomStreams.Attack, setup.WorkerId, round.Round);
            attack.Forge(honest.Buffer, forged, random);
            Sender.Tell(new GradientReady(round.Round, setup.WorkerId, forged, loss));
        });
    }

    public static Props Props(WorkerSetup setup) => Akka.Actor.Props.Create(() => new ByzantineWorkerActor(setup));
}
