using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FedActors.Aggregation;
using FedActors.Attacks;
using FedActors.Learning;
using Xunit;

namespace FedActors.Actors.Tests;

/// <summary>
/// The round protocol with one probe per collaborator: three workers, the aggregator pool and the metrics actor.
/// Time is a <see cref="TestScheduler"/>, so a deadline passes when the test says so, never by sleeping.
/// </summary>
public sealed class CoordinatorSpec : TestKit
{
    private const int Dimension = 4;
    private const double LearningRate = 0.5;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TestProbe[] _workers;
    private readonly TestProbe _pool;
    private readonly TestProbe _metrics;

    public CoordinatorSpec() : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
        _workers = [CreateTestProbe("worker-0"), CreateTestProbe("worker-1"), CreateTestProbe("worker-2")];
        _pool = CreateTestProbe("pool");
        _metrics = CreateTestProbe("metrics");
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private IActorRef StartCoordinator(int rounds = 1, int minimumRows = 1, IActorRef? coalition = null, IActorRef? evaluator = null,
        bool watchWorkers = false)
    {
        var model = new LinearRegressionModel(Dimension);
        var server = new ModelServer(model, new float[Dimension], new SgdOptimizer(Dimension, LearningRate, 0, 0), thetaStar: null, testSet: null);
        if (evaluator is not null)
        {
            // A classifier with a test set, so that the run has an accuracy to measure.
            var clusters = SyntheticData.GaussianClusters(2, 2, 10, 10, separation: 1, seed: 1);
            var classifier = new SoftmaxRegressionModel(2, 2);
            server = new ModelServer(classifier, new float[classifier.ParameterCount], new SgdOptimizer(classifier.ParameterCount, LearningRate, 0, 0),
                thetaStar: null, testSet: clusters.Test);
        }
        var setup = new CoordinatorSetup(rounds, _workers.Select(p => p.Ref).ToArray(), ByzantineRoster.Fixed([false, false, true]), server,
            _pool.Ref, _metrics.Ref, minimumRows, Deadline, EvalEvery: evaluator is null ? 0 : 1, TrainingSeed: 5, coalition,
            TapHonestReports: coalition is not null, evaluator, WatchWorkers: watchWorkers);
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(setup), "coordinator");
        coordinator.Tell(RunRequested.Instance, TestActor);
        return coordinator;
    }

    private RoundStarted ExpectRoundStartedEverywhere(int round)
    {
        var started = _workers.Select(w => w.ExpectMsg<RoundStarted>()).ToArray();
        Assert.All(started, s => Assert.Equal(round, s.Round));
        // One snapshot shared by every worker of the process, not a copy each.
        Assert.All(started, s => Assert.Same(started[0].Model, s.Model));
        return started[0];
    }

    private static float[] Gradient(params float[] values) => values;

    /// <summary>The pool's answer, with the row weights a rule would report (NaN: not measured).</summary>
    private static AggregateComputed Computed(int round, params double[] weights)
    {
        var report = new AggregationReport();
        report.Reset(weights.Length);
        weights.CopyTo(report.Weights);
        return new AggregateComputed(round, report);
    }

    /// <summary>Worker <paramref name="workerId"/>'s probe sends a report, as the real worker would.</summary>
    private void Report(IActorRef coordinator, int workerId, int round, float[] gradient, double loss = 1.0) =>
        coordinator.Tell(new GradientReady(round, workerId, gradient, loss), _workers[workerId].Ref);

    [Fact]
    public void A_full_round_aggregates_rows_in_worker_id_order_whatever_the_arrival_order()
    {
        var coordinator = StartCoordinator();
        ExpectRoundStartedEverywhere(1);

        Report(coordinator, 2, 1, Gradient(3, 3, 3, 3), loss: 30);
        Report(coordinator, 0, 1, Gradient(1, 1, 1, 1), loss: 10);
        Report(coordinator, 1, 1, Gradient(2, 2, 2, 2), loss: 20);

        var request = _pool.ExpectMsg<AggregationRequested>();
        Assert.Equal(1, request.Round);
        Assert.Equal(3, request.Matrix.Rows);
        Assert.Equal([1f, 1f, 1f, 1f], request.Matrix.RowView(0).ToArray());
        Assert.Equal([2f, 2f, 2f, 2f], request.Matrix.RowView(1).ToArray());
        Assert.Equal([3f, 3f, 3f, 3f], request.Matrix.RowView(2).ToArray());

        Assert.Equal([0, 1, 2], request.Context.RowWorkerIds);
        Assert.Equal((1, 3), (request.Context.Round, request.Context.TotalWorkers));
        Assert.Equal(new float[Dimension], request.Context.Model);

        float[] aggregate = [1, 2, 3, 4];
        aggregate.CopyTo(request.Output, 0);
        _pool.Reply(Computed(1, 0.5, 0.5, 0));

        var metrics = _metrics.ExpectMsg<RoundCompleted>().Metrics;
        Assert.Equal((1, 3, 0, 0, false), (metrics.Round, metrics.AcceptedReports, metrics.RejectedReports, metrics.MissingReports, metrics.UpdateSkipped));
        // Worker 2 is Byzantine and its row got weight 0: one Byzantine report, none kept.
        Assert.Equal((1, (int?)0), (metrics.ByzantineReports, metrics.ByzantineKept));
        // Worker 2 is Byzantine: train_loss is the mean over the honest reports only.
        Assert.Equal(15.0, metrics.TrainLoss);
        Assert.Equal(1, _metrics.ExpectMsg<RunEnded>().Rounds);
        _metrics.Reply(new MetricsFlushed(new Dictionary<RejectionReason, int>()));

        var completed = ExpectMsg<RunCompleted>();
        // theta_1 = theta_0 - lr * aggregate, with theta_0 = 0.
        Assert.Equal([-0.5f, -1f, -1.5f, -2f], completed.FinalModel);
    }

    [Fact]
    public void A_report_after_the_deadline_is_rejected_as_late_and_the_round_goes_on_without_it()
    {
        var coordinator = StartCoordinator();
        ExpectRoundStartedEverywhere(1);
        Report(coordinator, 0, 1, Gradient(1, 1, 1, 1));
        Report(coordinator, 1, 1, Gradient(2, 2, 2, 2));
        _pool.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        Scheduler.Advance(Deadline);

        var request = _pool.ExpectMsg<AggregationRequested>();
        Assert.Equal(2, request.Matrix.Rows);
        Assert.Equal([0, 1], request.Context.RowWorkerIds);
        Report(coordinator, 2, 1, Gradient(3, 3, 3, 3));
        var rejected = _metrics.ExpectMsg<ReportRejected>();
        Assert.Equal((1, 2, RejectionReason.Late), (rejected.Round, rejected.WorkerId, rejected.Reason));

        _pool.Reply(Computed(1, double.NaN, double.NaN));
        var metrics = _metrics.ExpectMsg<RoundCompleted>().Metrics;
        Assert.Equal((2, 1, 1), (metrics.AcceptedReports, metrics.RejectedReports, metrics.MissingReports));
    }

    [Fact]
    public void A_worker_that_stops_is_not_waited_for_in_its_round_nor_in_later_ones()
    {
        // The deadline never passes in this test (the scheduler is not advanced): only the stop can close the rounds.
        var coordinator = StartCoordinator(rounds: 2, watchWorkers: true);
        ExpectRoundStartedEverywhere(1);
        Report(coordinator, 0, 1, Gradient(1, 1, 1, 1));
        Report(coordinator, 1, 1, Gradient(2, 2, 2, 2));

        Sys.Stop(_workers[2].Ref);

        var request = _pool.ExpectMsg<AggregationRequested>();
        Assert.Equal([0, 1], request.Context.RowWorkerIds);
        _pool.Reply(Computed(1, double.NaN, double.NaN));
        Assert.Equal((2, 0, 1), Counts(_metrics.ExpectMsg<RoundCompleted>().Metrics));

        Assert.Equal(2, _workers[0].ExpectMsg<RoundStarted>().Round);
        Assert.Equal(2, _workers[1].ExpectMsg<RoundStarted>().Round);
        Report(coordinator, 1, 2, Gradient(2, 2, 2, 2));
        Report(coordinator, 0, 2, Gradient(1, 1, 1, 1));
        Assert.Equal([0, 1], _pool.ExpectMsg<AggregationRequested>().Context.RowWorkerIds);
        _pool.Reply(Computed(2, double.NaN, double.NaN));
        Assert.Equal((2, 0, 1), Counts(_metrics.ExpectMsg<RoundCompleted>().Metrics));
    }

    [Fact]
    public void Round_recipients_hear_of_the_round_instead_of_each_worker()
    {
        var node = CreateTestProbe("node");
        var model = new LinearRegressionModel(Dimension);
        var server = new ModelServer(model, new float[Dimension], new SgdOptimizer(Dimension, LearningRate, 0, 0), thetaStar: null, testSet: null);
        var setup = new CoordinatorSetup(1, _workers.Select(p => p.Ref).ToArray(), ByzantineRoster.Fixed([false, false, true]), server,
            _pool.Ref, _metrics.Ref, 1, Deadline, EvalEvery: 0, TrainingSeed: 5, RoundRecipients: [node.Ref]);
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(setup), "coordinator");
        coordinator.Tell(RunRequested.Instance, TestActor);

        Assert.Equal(1, node.ExpectMsg<RoundStarted>().Round);
        // The reports still come from the workers themselves, and only theirs count.
        Report(coordinator, 2, 1, Gradient(3, 3, 3, 3));
        Report(coordinator, 0, 1, Gradient(1, 1, 1, 1));
        Report(coordinator, 1, 1, Gradient(2, 2, 2, 2));
        Assert.Equal([0, 1, 2], _pool.ExpectMsg<AggregationRequested>().Context.RowWorkerIds);
        Assert.All(_workers, w => w.ExpectNoMsg(TimeSpan.Zero));
    }

    private static (int Accepted, int Rejected, int Missing) Counts(RoundMetrics m) => (m.AcceptedReports, m.RejectedReports, m.MissingReports);

    [Fact]
    public void A_duplicate_report_is_rejected_and_the_first_one_is_kept()
    {
        var coordinator = StartCoordinator();
        ExpectRoundStartedEverywhere(1);
        Report(coordinator, 0, 1, Gradient(1, 1, 1, 1));
        Report(coordinator, 0, 1, Gradient(9, 9, 9, 9));

        var rejected = _metrics.ExpectMsg<ReportRejected>();
        Assert.Equal((0, RejectionReason.Duplicate), (rejected.WorkerId, rejected.Reason));

        Report(coordinator, 1, 1, Gradient(2, 2, 2, 2));
        Report(coordinator, 2, 1, Gradient(3, 3, 3, 3));
        var request = _pool.ExpectMsg<AggregationRequested>();
        Assert.Equal([1f, 1f, 1f, 1f], request.Matrix.RowView(0).ToArray());
        _pool.Reply(Computed(1, double.NaN, double.NaN, double.NaN));
        var metrics = _metrics.ExpectMsg<RoundCompleted>().Metrics;
        Assert.Equal((3, 1, 0), (metrics.AcceptedReports, metrics.RejectedReports, metrics.MissingReports));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_non_finite_report_is_rejected_and_the_round_closes_once_every_worker_has_had_its_say(float bad)
    {
        var coordinator = StartCoordinator();
        ExpectRoundStartedEverywhere(1);
        Report(coordinator, 0, 1, Gradient(1, 1, 1, 1));
        Report(coordinator, 1, 1, Gradient(2, 2, bad, 2));
        Report(coordinator, 2, 1, Gradient(3, 3, 3, 3));

        var rejected = _metrics.ExpectMsg<ReportRejected>();
        Assert.Equal((1, RejectionReason.NonFinite), (rejected.WorkerId, rejected.Reason));
        Assert.Contains("coordinate 2", rejected.Detail);

        // No clock advance: worker 1 has reported, so waiting longer would only wait for the deadline.
        var request = _pool.ExpectMsg<AggregationRequested>();
        Assert.Equal(2, request.Matrix.Rows);
        Assert.Equal([3f, 3f, 3f, 3f], request.Matrix.RowView(1).ToArray());
        // Rows are workers 0 and 2 (worker 1's slot is empty): worker 2's positive weight counts as Byzantine kept.
        Assert.Equal([0, 2], request.Context.RowWorkerIds);
        _pool.Reply(Computed(1, 0.5, 0.5));
        var metrics = _metrics.ExpectMsg<RoundCompleted>().Metrics;
        Assert.Equal((2, 1, 0), (metrics.AcceptedReports, metrics.RejectedReports, metrics.MissingReports));
        Assert.Equal((1, (int?)1), (metrics.ByzantineReports, metrics.ByzantineKept));
    }

    [Fact]
    public void A_wrong_length_report_is_rejected()
    {
        var coordinator = StartCoordinator();
        ExpectRoundStartedEverywhere(1);
        Report(coordinator, 0, 1, Gradient(1, 1, 1));

        var rejected = _metrics.ExpectMsg<ReportRejected>();
        Assert.Equal((0, RejectionReason.WrongLength), (rejected.WorkerId, rejected.Reason));
        Assert.Contains("3 values, expected 4", rejected.Detail);
    }

    [Fact]
    public void A_report_for_an_earlier_round_is_rejected_as_stale()
    {
        var coordinator = StartCoordinator(rounds: 2);
        ExpectRoundStartedEverywhere(1);
        for (var id = 0; id < 3; id++)
            Report(coordinator, id, 1, Gradient(1, 1, 1, 1));
        _pool.ExpectMsg<AggregationRequested>();
        _pool.Reply(Computed(1, double.NaN, double.NaN, double.NaN));
        _metrics.ExpectMsg<RoundCompleted>();
        ExpectRoundStartedEverywhere(2);

        Report(coordinator, 0, 1, Gradient(1, 1, 1, 1));
        Report(coordinator, 1, 3, Gradient(1, 1, 1, 1));

        var stale = _metrics.ExpectMsg<ReportRejected>();
        Assert.Equal((2, 0, RejectionReason.StaleRound), (stale.Round, stale.WorkerId, stale.Reason));
        var future = _metrics.ExpectMsg<ReportRejected>();
        Assert.Equal((1, RejectionReason.StaleRound), (future.WorkerId, future.Reason));
    }

    [Fact]
    public void A_report_from_an_unknown_sender_or_under_another_workers_id_is_rejected()
    {
        var coordinator = StartCoordinator();
        ExpectRoundStartedEverywhere(1);
        var stranger = CreateTestProbe("stranger");

        coordinator.Tell(new GradientReady(1, 0, Gradient(1, 1, 1, 1), 1), stranger.Ref);
        coordinator.Tell(new GradientReady(1, 0, Gradient(1, 1, 1, 1), 1), _workers[1].Ref);
        coordinator.Tell(new GradientReady(1, 7, Gradient(1, 1, 1, 1), 1), _workers[2].Ref);

        for (var i = 0; i < 3; i++)
            Assert.Equal(RejectionReason.UnknownSender, _metrics.ExpectMsg<ReportRejected>().Reason);

        // The impostors filled no slot: the real worker 0 is still accepted.
        for (var id = 0; id < 3; id++)
            Report(coordinator, id, 1, Gradient(id, id, id, id));
        var request = _pool.ExpectMsg<AggregationRequested>();
        Assert.Equal(3, request.Matrix.Rows);
    }

    [Fact]
    public void A_round_with_fewer_reports_than_the_rule_needs_applies_no_update()
    {
        var coordinator = StartCoordinator(minimumRows: 3);
        ExpectRoundStartedEverywhere(1);
        Report(coordinator, 0, 1, Gradient(1, 1, 1, 1));

        Scheduler.Advance(Deadline);

        _pool.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        var metrics = _metrics.ExpectMsg<RoundCompleted>().Metrics;
        Assert.True(metrics.UpdateSkipped);
        Assert.Equal((1, 2), (metrics.AcceptedReports, metrics.MissingReports));
        _metrics.ExpectMsg<RunEnded>();
        _metrics.Reply(new MetricsFlushed(new Dictionary<RejectionReason, int>()));
        Assert.Equal(new float[Dimension], ExpectMsg<RunCompleted>().FinalModel);
    }

    [Fact]
    public void A_failed_aggregation_ends_the_run_with_the_reason()
    {
        var coordinator = StartCoordinator();
        ExpectRoundStartedEverywhere(1);
        for (var id = 0; id < 3; id++)
            Report(coordinator, id, 1, Gradient(1, 1, 1, 1));
        _pool.ExpectMsg<AggregationRequested>();
        _pool.Reply(new AggregationFailed(1, "shard 0: boom"));

        var failed = ExpectMsg<RunFailed>();
        Assert.Equal(1, failed.Round);
        Assert.Contains("boom", failed.Reason);
    }

    [Fact]
    public void An_omniscient_coalition_is_told_the_round_and_receives_a_copy_of_every_accepted_honest_report_only()
    {
        var coalition = CreateTestProbe("coalition");
        var coordinator = StartCoordinator(coalition: coalition.Ref);
        var started = ExpectRoundStartedEverywhere(1);
        Assert.Same(started.Model, coalition.ExpectMsg<RoundStarted>().Model);

        var honest = Gradient(1, 2, 3, 4);
        Report(coordinator, 1, 1, honest);
        Report(coordinator, 2, 1, Gradient(9, 9, 9, 9));
        Report(coordinator, 0, 1, Gradient(1, 1, 1, float.NaN));

        var tap = coalition.ExpectMsg<HonestGradientTapped>();
        Assert.Equal((1, 1), (tap.Round, tap.WorkerId));
        Assert.Equal(honest, tap.Gradient);
        Assert.NotSame(honest, tap.Gradient);
        coalition.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void With_an_evaluator_the_round_ends_without_waiting_for_its_accuracy_and_the_run_reports_the_written_row()
    {
        var evaluator = CreateTestProbe("evaluator");
        var coordinator = StartCoordinator(evaluator: evaluator.Ref);
        ExpectRoundStartedEverywhere(1);
        for (var id = 0; id < 3; id++)
            Report(coordinator, id, 1, Gradient(1, 1, 1, 1, 1, 1));
        var request = _pool.ExpectMsg<AggregationRequested>();
        request.Output.AsSpan().Fill(2f);
        _pool.Reply(Computed(1, 1, 1, 1));

        var evaluation = evaluator.ExpectMsg<EvaluationRequested>();
        var metrics = _metrics.ExpectMsg<RoundCompleted>().Metrics;
        Assert.Equal(1, evaluation.Round);
        // The parameters after the round's update: 0 - 0.5 * 2.
        Assert.All(evaluation.Parameters, p => Assert.Equal(-1f, p));
        Assert.True(metrics.TestAccuracyPending);
        Assert.Null(metrics.TestAccuracy);

        _metrics.ExpectMsg<RunEnded>();
        var written = metrics with { TestAccuracy = 0.5, TestAccuracyPending = false };
        _metrics.Reply(new MetricsFlushed(new Dictionary<RejectionReason, int>(), written));
        Assert.Equal(0.5, ExpectMsg<RunCompleted>().LastRound.TestAccuracy);
    }
}
