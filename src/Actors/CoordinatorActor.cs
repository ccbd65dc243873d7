using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using FedActors.Actors.Checkpoints;
using FedActors.Aggregation;

namespace FedActors.Actors;

/// <summary>
/// Drives synchronous rounds. A state machine: <c>Idle</c> until asked to run, then per round <c>Collecting</c>
/// (one slot per worker id, closed when every slot is filled or the deadline passes) and <c>Aggregating</c>
/// (the pool owns the matrix), and finally <c>Flushing</c> while the metrics actor writes its files.
/// Every message a phase does not expect is handled explicitly: reports are rejected and counted, stray
/// protocol messages are logged.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor, IWithTimers
{
    private const string DeadlineTimer = "round-deadline";
    private const int RejectionsLoggedPerRound = 10;

    private readonly CoordinatorSetup _setup;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<IActorRef, int> _workerIdBySender;
    private readonly GradientMatrix _matrix;
    private readonly bool[] _present;

    /// <summary>Workers that have had their say this round: accepted, or rejected for what their report held. A worker
    /// sends one report per round, so waiting longer for one of these would only wait for the deadline.</summary>
    private readonly bool[] _heardFrom;
    private int _heardCount;

    /// <summary>Workers whose actor stopped for good (on a cluster: their node was removed). They count as missing in
    /// every round they miss, and no round waits for them.</summary>
    private readonly bool[] _gone;

    /// <summary>Workers of this round heard from or gone: collection closes when it reaches the number of workers.</summary>
    private int _settledCount;
    private readonly double[] _batchLoss;
    private readonly float[] _aggregate;
    private readonly Stopwatch _roundClock = new();
    private readonly Stopwatch _aggregateClock = new();

    private IActorRef _requester = ActorRefs.Nobody;
    private int _round;
    private int _accepted;
    private int _rejected;
    private RoundMetrics? _lastMetrics;
    private float[] _roundModel = [];
    private int _byzantineReports;
    private int? _byzantineKept;

    public CoordinatorActor(CoordinatorSetup setup)
    {
        setup.Validate();
        _setup = setup;
        var workers = setup.Workers.Count;
        var parameters = setup.Server.ParameterCount;
        _workerIdBySender = new Dictionary<IActorRef, int>(workers);
        for (var id = 0; id < workers; id++)
            _workerIdBySender.Add(setup.Workers[id], id);
        _matrix = new GradientMatrix(workers, parameters);
        _present = new bool[workers];
        _heardFrom = new bool[workers];
        _gone = new bool[workers];
        _batchLoss = new double[workers];
        _aggregate = new float[parameters];
        Idle();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoordinatorSetup setup) => Akka.Actor.Props.Create(() => new CoordinatorActor(setup));

    /// <summary>A worker that throws is restarted by its parent and keeps its actor; only a stopped worker (its node
    /// left the cluster) terminates, and no later round should wait for it.</summary>
    protected override void PreStart()
    {
        if (!_setup.WatchWorkers)
            return;
        foreach (var worker in _workerIdBySender.Keys)
            Context.Watch(worker);
    }

    private void Idle()
    {
        Receive<RunRequested>(_ =>
        {
            _requester = Sender;
            StartRound(_setup.FirstRound);
        });
        Receive<GradientReady>(report => Reject(report, RejectionReason.StaleRound, "no round is open"));
        ReceiveWorkerTerminated(collecting: false);
    }

    private void Collecting()
    {
        Receive<GradientReady>(OnReport);
        Receive<RoundDeadlinePassed>(deadline =>
        {
            if (deadline.Round == _round)
                CloseCollection();
        });
        ReceiveWorkerTerminated(collecting: true);
        ReceiveAny(message => _log.Warning("Round {0}: unexpected {1} while collecting", _round, message.GetType().Name));
    }

    private void Aggregating()
    {
        Receive<GradientReady>(report => Reject(report,
            report.Round == _round ? RejectionReason.Late : RejectionReason.StaleRound,
            report.Round == _round ? "collection already closed" : $"round {_round} is open"));
        Receive<AggregateComputed>(done => done.Round == _round, done =>
        {
            _aggregateClock.Stop();
            _byzantineKept = CountByzantineKept(done.Report);
            _setup.Server.ApplyAggregate(_aggregate);
            FinishRound(updateSkipped: false);
        });
        Receive<AggregationFailed>(failed => failed.Round == _round, failed => Fail($"aggregation failed: {failed.Reason}"));
        Receive<RoundDeadlinePassed>(_ => { });
        ReceiveWorkerTerminated(collecting: false);
        ReceiveAny(message => _log.Warning("Round {0}: unexpected {1} while aggregating", _round, message.GetType().Name));
    }

    private void Flushing()
    {
        Receive<MetricsFlushed>(flushed =>
        {
            _requester.Tell(new RunCompleted(flushed.LastRound ?? _lastMetrics!, flushed.RejectionsByReason, _setup.Server.Snapshot()));
            Become(Finished);
        });
        Receive<GradientReady>(report => _log.Debug("Report of worker {0} for round {1} after the run ended", report.WorkerId, report.Round));
        ReceiveWorkerTerminated(collecting: false, runEnded: true);
        ReceiveAny(message => _log.Warning("Unexpected {0} while flushing metrics", message.GetType().Name));
    }

    private void Finished()
    {
        Receive<GradientReady>(report => _log.Debug("Report of worker {0} for round {1} after the run ended", report.WorkerId, report.Round));
        ReceiveWorkerTerminated(collecting: false, runEnded: true);
        ReceiveAny(message => _log.Warning("Unexpected {0} after the run ended", message.GetType().Name));
    }

    /// <param name="collecting">Collection is open, so a worker not yet heard from stops being waited for.</param>
    private void ReceiveWorkerTerminated(bool collecting, bool runEnded = false) =>
        Receive<Terminated>(terminated =>
        {
            if (!_workerIdBySender.TryGetValue(terminated.ActorRef, out var id) || _gone[id])
                return;
            // The node shutting down stops workers (or their proxies) too; rounds closed for that would be rows of a run
            // that was interrupted, not of workers that left.
            if (CoordinatedShutdown.Get(Context.System).ShutdownReason is not null)
                return;
            _gone[id] = true;
            // Workers stop as a matter of course once the run is over (their nodes leave); that is no news.
            if (!runEnded)
                _log.Warning("Round {0}: worker {1} stopped; it counts as missing from now on", _round, id);
            // Only an open collection waits on workers; the next round starts with the gone ones settled.
            if (collecting && !_heardFrom[id])
                Settle();
        });

    private void StartRound(int round)
    {
        _round = round;
        _accepted = 0;
        _rejected = 0;
        Array.Clear(_present);
        Array.Clear(_heardFrom);
        _heardCount = 0;
        _settledCount = _gone.Count(gone => gone);
        Array.Clear(_batchLoss);
        _matrix.ResetRows();
        _byzantineReports = 0;
        _byzantineKept = null;
        _roundClock.Restart();
        _aggregateClock.Reset();

        _roundModel = _setup.Server.Snapshot();
        var started = new RoundStarted(round, _roundModel);
        foreach (var recipient in _setup.RoundRecipients ?? _setup.Workers)
            recipient.Tell(started);
        _setup.Coalition?.Tell(started);
        // With every worker gone there is nobody to wait for: the deadline is now (a message, not a call, so a run of
        // empty rounds does not nest one round inside the other).
        var deadline = _settledCount == _setup.Workers.Count ? TimeSpan.Zero : _setup.RoundDeadline;
        Timers.StartSingleTimer(DeadlineTimer, new RoundDeadlinePassed(round), deadline);
        Become(Collecting);
    }

    private void OnReport(GradientReady report)
    {
        // Identity first: a report's claims (round, length, values) mean nothing until we know who sent it.
        if (!_workerIdBySender.TryGetValue(Sender, out var senderId) || senderId != report.WorkerId)
        {
            Reject(report, RejectionReason.UnknownSender, $"sender {Sender.Path} is not worker {report.WorkerId}");
            return;
        }
        if (report.Round != _round)
        {
            Reject(report, RejectionReason.StaleRound, $"round {_round} is open");
            return;
        }
        if (_present[senderId])
        {
            Reject(report, RejectionReason.Duplicate, "slot already filled this round");
            return;
        }
        if (report.Gradient.Length != _matrix.Columns)
        {
            Reject(report, RejectionReason.WrongLength, $"{report.Gradient.Length} values, expected {_matrix.Columns}");
            HeardFrom(senderId);
            return;
        }
        var bad = ReportValidation.FirstNonFinite(report.Gradient);
        if (bad >= 0)
        {
            Reject(report, RejectionReason.NonFinite, $"value {report.Gradient[bad]} at coordinate {bad}");
            HeardFrom(senderId);
            return;
        }

        report.Gradient.CopyTo(_matrix.Row(senderId));
        _present[senderId] = true;
        _batchLoss[senderId] = report.BatchLoss;
        _accepted++;
        if (IsByzantine(senderId))
            _byzantineReports++;
        else if (_setup.TapHonestReports)
            _setup.Coalition!.Tell(new HonestGradientTapped(_round, senderId, report.Gradient.ToArray()));
        HeardFrom(senderId);
    }

    private void HeardFrom(int workerId)
    {
        if (_heardFrom[workerId])
            return;
        _heardFrom[workerId] = true;
        _heardCount++;
        if (!_gone[workerId])
            Settle();
    }

    private void Settle()
    {
        _settledCount++;
        if (_settledCount == _setup.Workers.Count)
            CloseCollection();
    }

    private void Reject(GradientReady report, RejectionReason reason, string detail)
    {
        _rejected++;
        if (_rejected <= RejectionsLoggedPerRound)
            _log.Warning("Round {0}: rejected report of worker {1} for round {2}: {3} ({4})", _round, report.WorkerId, report.Round, reason, detail);
        else if (_rejected == RejectionsLoggedPerRound + 1)
            _log.Warning("Round {0}: more rejections this round; the rest are counted in metrics.csv without a log line", _round);
        _setup.Metrics.Tell(new ReportRejected(_round, report.WorkerId, reason, detail));
    }

    private void CloseCollection()
    {
        Timers.Cancel(DeadlineTimer);
        Become(Aggregating);
        var rows = _matrix.Compact(_present);
        if (rows < _setup.MinimumRows)
        {
            _log.Warning("Round {0}: {1} reports accepted, the rule needs {2}; no update this round", _round, rows, _setup.MinimumRows);
            FinishRound(updateSkipped: true);
            return;
        }
        _aggregateClock.Restart();
        var round = _round;
        var seed = _setup.TrainingSeed;
        Func<Random> random = () => RandomStreams.For(seed, RandomStreams.Aggregation, workerId: 0, round);
        var context = new AggregationContext(_round, _setup.Workers.Count, PresentWorkerIds(), _roundModel, random());
        _setup.AggregatorPool.Tell(new AggregationRequested(_round, _matrix, context, _aggregate, random));
    }

    private void FinishRound(bool updateSkipped)
    {
        var lastRound = _round == _setup.Rounds;
        var evaluate = _setup.EvalEvery > 0 && (_round % _setup.EvalEvery == 0 || lastRound) && _setup.Server.HasTestAccuracy;
        var offPath = evaluate && _setup.Evaluator is not null;
        if (offPath)
            _setup.Evaluator!.Tell(new EvaluationRequested(_round, _setup.Server.Snapshot()));
        _roundClock.Stop();
        var metrics = new RoundMetrics(
            _round,
            HonestTrainLoss(),
            _setup.Server.ParamError(),
            evaluate && !offPath ? _setup.Server.TestAccuracy() : null,
            _accepted,
            _rejected,
            _setup.Workers.Count - _heardCount,
            _byzantineReports,
            _byzantineKept,
            updateSkipped,
            _roundClock.Elapsed.TotalMilliseconds,
            _aggregateClock.Elapsed.TotalMilliseconds,
            TestAccuracyPending: offPath);
        _lastMetrics = metrics;
        _setup.Metrics.Tell(new RoundCompleted(metrics));
        if (_setup.CheckpointEvery > 0 && _round % _setup.CheckpointEvery == 0)
            _setup.Metrics.Tell(new CheckpointCaptured(_round, RunCheckpoint.CaptureCoordinator(_setup.Server, _setup.Rule!)));

        if (lastRound)
        {
            _setup.Metrics.Tell(new RunEnded(_round));
            Become(Flushing);
        }
        else
        {
            StartRound(_round + 1);
        }
    }

    /// <summary>Worker ids of the matrix rows after compaction: the present slots, ascending.</summary>
    private int[] PresentWorkerIds()
    {
        var ids = new int[_accepted];
        var row = 0;
        for (var id = 0; id < _present.Length; id++)
        {
            if (_present[id])
                ids[row++] = id;
        }
        return ids;
    }

    /// <summary>Byzantine rows the rule gave a positive weight; null when the rule does not measure row weights.</summary>
    private int? CountByzantineKept(AggregationReport report)
    {
        var weights = report.Weights;
        if (weights.Length != _accepted)
            return null;
        var kept = 0;
        var row = 0;
        for (var id = 0; id < _present.Length; id++)
        {
            if (!_present[id])
                continue;
            var weight = weights[row++];
            if (double.IsNaN(weight))
                return null;
            if (IsByzantine(id) && weight > 0)
                kept++;
        }
        return kept;
    }

    /// <summary>Mean mini-batch loss of the honest workers that reported, summed in worker-id order.</summary>
    private double HonestTrainLoss()
    {
        var sum = 0.0;
        var count = 0;
        for (var id = 0; id < _present.Length; id++)
        {
            if (_present[id] && !IsByzantine(id))
            {
                sum += _batchLoss[id];
                count++;
            }
        }
        return count == 0 ? double.NaN : sum / count;
    }

    private bool IsByzantine(int workerId) => _setup.Roster.IsByzantine(workerId, _round);

    private void Fail(string reason)
    {
        _log.Error("Round {0}: {1}; stopping the run", _round, reason);
        Timers.CancelAll();
        _requester.Tell(new RunFailed(_round, reason));
        Become(Finished);
    }
}
