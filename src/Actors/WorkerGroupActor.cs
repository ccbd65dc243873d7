using Akka.Actor;

namespace FedActors.Actors;

/// <summary>
/// Parent of a block of workers (all of them in one process; on a cluster, the block a node hosts).
/// Supervision decision: a worker that throws is restarted. It keeps nothing across rounds but what its setup
/// gives it, so a restart loses only the report of the round it crashed in, which the coordinator then counts as
/// missing when the round deadline passes; the run goes on.
/// </summary>
public sealed class WorkerGroupActor : ReceiveActor
{
    /// <summary>Asks for the workers' refs in the order of the setups given; answered with <see cref="WorkersCreated"/>.</summary>
    public sealed record WorkersRequested
    {
        public static WorkersRequested Instance { get; } = new();
    }

    public sealed record WorkersCreated(IReadOnlyList<IActorRef> Workers);

    public WorkerGroupActor(IReadOnlyList<WorkerSetup> setups)
    {
        var workers = new IActorRef[setups.Count];
        for (var i = 0; i < setups.Count; i++)
        {
            var setup = setups[i];
            var props = setup.CanBeByzantine ? ByzantineWorkerActor.Props(setup) : WorkerActor.Props(setup);
            workers[i] = Context.ActorOf(props, $"worker-{setup.WorkerId}");
        }
        Receive<WorkersRequested>(_ => Sender.Tell(new WorkersCreated(workers)));
    }

    public static Props Props(IReadOnlyList<WorkerSetup> setups) => Akka.Actor.Props.Create(() => new WorkerGroupActor(setups));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: -1, withinTimeRange: Timeout.InfiniteTimeSpan, localOnlyDecider: _ => Directive.Restart);
}
