using Akka.Actor;

namespace FedActors.Actors;

/// <summary>
/// A worker the threat model may corrupt. In a round where the roster makes it Byzantine it behaves as its
/// <see cref="ByzantineBehaviour"/> says, reporting through the same message an honest worker sends; in any other
/// round (dynamic membership) it is an honest worker. It computes only what it is allowed to know on its own: its
/// honest gradient, on clean or poisoned data; anything that depends on other workers comes from the coalition.
/// </summary>
public sealed class ByzantineWorkerActor : ReceiveActor
{
    private readonly WorkerSetup _setup;
    private readonly HonestGradient _honest;
    private IActorRef _coordinator = ActorRefs.Nobody;
    private int _awaitedRound;
    private double _awaitedLoss;

    public ByzantineWorkerActor(WorkerSetup setup)
    {
        var behaviour = setup.Byzantine ?? throw new ArgumentException($"worker {setup.WorkerId} has no Byzantine behaviour", nameof(setup));
        _setup = setup;
        _honest = new HonestGradient(setup);
        switch (behaviour)
        {
            case ByzantineBehaviour.Local local:
                var forged = new float[setup.Model.ParameterCount];
                ReceiveRounds(round =>
                {
                    var loss = _honest.Compute(round);
                    // Rounds count from 1, so round 0's stream is the once-per-run one (data poisoning draws from it too, but a
                    // run has a single attack).
                    var random = RandomStreams.For(setup.TrainingSeed, RandomStreams.Attack, setup.WorkerId, local.Attack.DrawsOnce ? 0 : round.Round);
                    local.Attack.Forge(_honest.Buffer, forged, random);
                    Sender.Tell(new GradientReady(round.Round, setup.WorkerId, forged, loss));
                });
                break;
            case ByzantineBehaviour.PoisonedData poisoned:
                // Same shard positions over the poisoned copy: the batch a round draws is the honest batch, poisoned.
                var onPoison = new HonestGradient(setup with { Data = poisoned.Data, Shard = Enumerable.Range(0, poisoned.Data.Count).ToArray() });
                ReceiveRounds(round =>
                {
                    // train_loss measures training on clean data: the loss of the same batch unpoisoned.
                    var loss = _honest.Loss(round);
                    onPoison.Compute(round);
                    Sender.Tell(new GradientReady(round.Round, setup.WorkerId, onPoison.Buffer, loss));
                });
                break;
            case ByzantineBehaviour.Colluding colluding:
                ReceiveRounds(round =>
                {
                    _awaitedLoss = _honest.Compute(round);
                    _awaitedRound = round.Round;
                    _coordinator = Sender;
                    colluding.Coalition.Tell(new CoalitionInput(round.Round, setup.WorkerId, _honest.Buffer.ToArray()));
                });
                Receive<ForgedGradient>(forged =>
                {
                    if (forged.Round != _awaitedRound || forged.WorkerId != setup.WorkerId)
                        return;
                    _awaitedRound = 0;
                    _coordinator.Tell(new GradientReady(forged.Round, setup.WorkerId, forged.Gradient, _awaitedLoss));
                });
                break;
            default:
                throw new ArgumentException($"worker {setup.WorkerId}: unknown behaviour {behaviour.GetType().Name}", nameof(setup));
        }
    }

    public static Props Props(WorkerSetup setup) => Akka.Actor.Props.Create(() => new ByzantineWorkerActor(setup));

    protected override void PreStart()
    {
        if (_setup.Byzantine is ByzantineBehaviour.Colluding colluding)
            colluding.Coalition.Tell(new CoalitionMemberJoined(_setup.WorkerId));
    }

    /// <summary>Rounds in which the worker is Byzantine go to <paramref name="byzantineRound"/>; the others are honest.</summary>
    private void ReceiveRounds(Action<RoundStarted> byzantineRound) =>
        Receive<RoundStarted>(round =>
        {
            if (_setup.IsByzantineIn(round.Round))
            {
                byzantineRound(round);
                return;
            }
            var loss = _honest.Compute(round);
            Sender.Tell(new GradientReady(round.Round, _setup.WorkerId, _honest.Buffer, loss));
        });
}
