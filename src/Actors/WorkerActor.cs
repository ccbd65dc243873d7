using Akka.Actor;

namespace FedActors.Actors;

/// <summary>An honest worker: answers each <see cref="RoundStarted"/> with its mini-batch gradient.</summary>
public sealed class WorkerActor : ReceiveActor
{
    public WorkerActor(WorkerSetup setup)
    {
        var honest = new HonestGradient(setup);
        Receive<RoundStarted>(round =>
        {
            var loss = honest.Compute(round);
            Sender.Tell(new GradientReady(round.Round, setup.WorkerId, honest.Buffer, loss));
        });
    }

    public static Props Props(WorkerSetup setup) => Akka.Actor.Props.Create(() => new WorkerActor(setup));
}
