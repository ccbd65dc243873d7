using Akka.Actor;

namespace FedActors.Actors;

/// <summary>
/// Measures test accuracy on a round's parameters while the next round trains, so a large test set costs no round
/// time; answers the metrics actor, which holds the round's row until then. The result depends only on the parameters
/// it is handed, never on when the evaluation ran.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    public EvaluatorActor(ModelServer server, IActorRef metrics)
    {
        Receive<EvaluationRequested>(request =>
            metrics.Tell(new EvaluationCompleted(request.Round, server.TestAccuracy(request.Parameters))));
    }

    public static Props Props(ModelServer server, IActorRef metrics) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(server, metrics));
}
