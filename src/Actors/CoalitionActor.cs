using Akka.Actor;
using Akka.Event;
using FedActors.Aggregation;
using FedActors.Attacks;

namespace FedActors.Actors;

/// <param name="Deadline">How long after a round opens the coalition forges with whatever it has; shorter than the round
/// deadline, so that its members still report in time when one of them is dead or slow.</param>
/// <param name="TrainingSeed">Root of the coalition's per-round random stream.</param>
/// <param name="PipelineFactory">Fresh instances of the run's aggregation pipeline, for the attacks that simulate the
/// round against it; never the run's own instance.</param>
public sealed record CoalitionSetup(
    ICoalitionAttack Attack,
    AdversaryKnowledge Knowledge,
    ByzantineRoster Roster,
    int Parameters,
    TimeSpan Deadline,
    ulong TrainingSeed,
    Func<AggregationPipeline>? PipelineFactory = null);

/// <summary>
/// The collusion channel: one per run. Members register once; every round the coalition collects the honest
/// gradients of the round's Byzantine members (and, when omniscient, the coordinator's tap of every honest report),
/// forges once, and hands each member its vector. It forges as soon as every live member (and every honest worker,
/// when omniscient) has been heard from, or at its own deadline, so a dead or late member never blocks the others;
/// a member heard from after the forging still gets its vector at once.
/// </summary>
/// <remarks>
/// Inputs are kept in slots by worker id and the forged rows are handed out by member id, so what each member receives
/// does not depend on the order in which messages arrive (only on which arrived before the deadline).
/// </remarks>
public sealed class CoalitionActor : ReceiveActor, IWithTimers
{
    private const string DeadlineTimer = "coalition-deadline";

    private readonly CoalitionSetup _setup;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<int, IActorRef> _members = new();

    /// <summary>Members that stopped: never waited for again. A member that has not joined yet is still waited for,
    /// since it may simply have started after the round opened.</summary>
    private readonly HashSet<int> _dead = [];
    private readonly GradientMatrix _known;
    private readonly bool[] _heard;
    private readonly bool[] _waiting;
    private readonly GradientMatrix _forged;

    /// <summary>Inputs for a round not yet opened: a member can hear of a round from the coordinator before the coalition does.</summary>
    private readonly List<(CoalitionInput Input, IActorRef Sender)> _early = [];

    private int _round;
    private float[]? _model;
    private int[] _roundMembers = [];
    private bool _forgedThisRound;
    private bool _deadlinePassed;
    private bool _forgeFailed;

    public CoalitionActor(CoalitionSetup setup)
    {
        _setup = setup;
        var workers = setup.Roster.Workers;
        _known = new GradientMatrix(workers, setup.Parameters);
        _heard = new bool[workers];
        _waiting = new bool[workers];
        _forged = new GradientMatrix(Math.Max(setup.Roster.Byzantine, 1), setup.Parameters);

        Receive<CoalitionMemberJoined>(OnJoined);
        Receive<Terminated>(OnTerminated);
        Receive<RoundStarted>(round => OpenRound(round.Round, round.Model));
        Receive<CoalitionInput>(input => OnInput(input, Sender));
        Receive<HonestGradientTapped>(OnTap);
        Receive<CoalitionDeadlinePassed>(deadline =>
        {
            if (deadline.Round != _round || _forgedThisRound)
                return;
            _deadlinePassed = true;
            ForgeIfPossible();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoalitionSetup setup) => Akka.Actor.Props.Create(() => new CoalitionActor(setup));

    private void OnJoined(CoalitionMemberJoined joined)
    {
        if ((uint)joined.WorkerId >= (uint)_setup.Roster.Workers || !_setup.Roster.CanBeByzantine(joined.WorkerId))
        {
            _log.Warning("Worker {0} asked to join the coalition but the threat model never makes it Byzantine", joined.WorkerId);
            return;
        }
        _members[joined.WorkerId] = Sender;
        _dead.Remove(joined.WorkerId);
        Context.Watch(Sender);
    }

    private void OnTerminated(Terminated terminated)
    {
        foreach (var (id, member) in _members)
        {
            if (!member.Equals(terminated.ActorRef))
                continue;
            _members.Remove(id);
            _dead.Add(id);
            _log.Info("Coalition member {0} stopped; the coalition forges without it", id);
            if (_round > 0 && !_forgedThisRound && Complete())
                Forge();
            return;
        }
    }

    private void OpenRound(int round, float[] model)
    {
        _round = round;
        _model = model;
        _roundMembers = _setup.Roster.Members(round);
        _forgedThisRound = false;
        _deadlinePassed = false;
        _forgeFailed = false;
        Array.Clear(_heard);
        Array.Clear(_waiting);
        _known.ResetRows();
        if (_roundMembers.Length == 0)
        {
            _forgedThisRound = true;
            return;
        }
        Timers.StartSingleTimer(DeadlineTimer, new CoalitionDeadlinePassed(round), _setup.Deadline);

        var early = _early.ToArray();
        _early.Clear();
        foreach (var (input, sender) in early)
            OnInput(input, sender);
    }

    private void OnInput(CoalitionInput input, IActorRef sender)
    {
        if (input.Round > _round)
        {
            _early.Add((input, sender));
            return;
        }
        if (input.Round != _round)
        {
            _log.Debug("Coalition: input of worker {0} for round {1} while round {2} is open", input.WorkerId, input.Round, _round);
            return;
        }
        if (!_members.TryGetValue(input.WorkerId, out var member) || !member.Equals(sender)
            || !_setup.Roster.IsByzantine(input.WorkerId, _round))
        {
            _log.Warning("Coalition: round {0} input from {1} claiming worker {2}, not a member this round", _round, sender.Path, input.WorkerId);
            return;
        }
        if (_waiting[input.WorkerId] || !Accept(input.WorkerId, input.Gradient))
            return;
        _waiting[input.WorkerId] = true;
        if (_forgedThisRound && !_forgeFailed)
            Answer(input.WorkerId);
        else
            ForgeIfPossible();
    }

    private void OnTap(HonestGradientTapped tap)
    {
        if (_setup.Knowledge != AdversaryKnowledge.Omniscient || tap.Round != _round || _forgedThisRound
            || (uint)tap.WorkerId >= (uint)_heard.Length || _setup.Roster.IsByzantine(tap.WorkerId, _round))
            return;
        if (Accept(tap.WorkerId, tap.Gradient))
            ForgeIfPossible();
    }

    /// <summary>Keeps the gradient in the worker's slot unless the round is already forged; false for a malformed one.</summary>
    private bool Accept(int workerId, float[] gradient)
    {
        if (gradient.Length != _setup.Parameters)
        {
            _log.Warning("Coalition: gradient of worker {0} has {1} values, expected {2}", workerId, gradient.Length, _setup.Parameters);
            return false;
        }
        if (!_heard[workerId] && !_forgedThisRound)
        {
            gradient.CopyTo(_known.Row(workerId));
            _heard[workerId] = true;
        }
        return true;
    }

    private void ForgeIfPossible()
    {
        if (_forgedThisRound)
            return;
        if (_deadlinePassed ? HeardAny() : Complete())
            Forge();
    }

    /// <summary>Every live member of the round has sent its gradient, and every honest worker has been tapped if omniscient.</summary>
    private bool Complete()
    {
        foreach (var id in _roundMembers)
        {
            if (!_dead.Contains(id) && !_heard[id])
                return false;
        }
        if (_setup.Knowledge == AdversaryKnowledge.Omniscient)
        {
            for (var id = 0; id < _heard.Length; id++)
            {
                if (!_heard[id] && !_setup.Roster.IsByzantine(id, _round))
                    return false;
            }
        }
        return HeardAny();
    }

    private bool HeardAny() => Array.IndexOf(_heard, true) >= 0;

    private void Forge()
    {
        Timers.Cancel(DeadlineTimer);
        _forgedThisRound = true;
        var knowledge = Knowledge();
        _forged.ResetRows();
        var random = RandomStreams.For(_setup.TrainingSeed, RandomStreams.Coalition, workerId: 0, _round);
        try
        {
            _setup.Attack.Forge(knowledge, _forged, random);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException)
        {
            _log.Error(e, "Coalition: round {0}: {1} failed on {2} known gradients; its members report nothing",
                _round, _setup.Attack.Name, knowledge.Honest.Rows);
            _forgeFailed = true;
            return;
        }
        foreach (var id in _roundMembers)
        {
            if (_waiting[id])
                Answer(id);
        }
    }

    /// <summary>
    /// The rows the attack may use, in worker-id order. An omniscient coalition uses the tapped honest reports (its
    /// members' own gradients only if no tap arrived); otherwise it knows its members' own gradients, and since those
    /// share the members' ids, a simulated round numbers them apart (the attack's default ids).
    /// </summary>
    private CoalitionKnowledge Knowledge()
    {
        var honestHeard = new bool[_heard.Length];
        var anyHonest = false;
        if (_setup.Knowledge == AdversaryKnowledge.Omniscient)
        {
            for (var id = 0; id < _heard.Length; id++)
            {
                honestHeard[id] = _heard[id] && !_setup.Roster.IsByzantine(id, _round);
                anyHonest |= honestHeard[id];
            }
        }
        var use = anyHonest ? honestHeard : _heard;
        var ids = Enumerable.Range(0, use.Length).Where(id => use[id]).ToArray();
        _known.Compact(use);
        return new CoalitionKnowledge(_known, _setup.Roster.Workers, _roundMembers.Length)
        {
            PipelineFactory = _setup.PipelineFactory,
            HonestWorkerIds = anyHonest ? ids : null,
            MemberWorkerIds = anyHonest ? _roundMembers : null,
            Round = _round,
            Model = _model,
        };
    }

    private void Answer(int workerId)
    {
        _waiting[workerId] = false;
        var index = Array.BinarySearch(_roundMembers, workerId);
        _members[workerId].Tell(new ForgedGradient(_round, workerId, _forged.RowView(index).ToArray()));
    }
}
