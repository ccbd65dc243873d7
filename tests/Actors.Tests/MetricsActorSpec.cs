using Akka.Actor;
using Akka.TestKit.Xunit2;
using Xunit;
using FedActors.Actors.Checkpoints;

namespace FedActors.Actors.Tests;

public sealed class MetricsActorSpec : TestKit
{
    [Fact]
    public void Rows_are_written_in_order_with_round_trip_numbers_and_rejections_are_counted_by_reason()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fedactors-metrics-{Guid.NewGuid():N}.csv");
        try
        {
            var metrics = Sys.ActorOf(MetricsActor.Props(path));
            metrics.Tell(new RoundCompleted(new RoundMetrics(1, 0.1, 2.5, null, 3, 1, 0, 1, 0, false, 12.3456, 1.5)));
            metrics.Tell(new ReportRejected(1, 2, RejectionReason.NonFinite, "NaN"));
            metrics.Tell(new ReportRejected(2, 2, RejectionReason.NonFinite, "NaN"));
            metrics.Tell(new ReportRejected(2, 0, RejectionReason.Late, "late"));
            metrics.Tell(new RoundCompleted(new RoundMetrics(2, 1.0 / 3.0, null, 0.75, 2, 2, 1, 1, null, true, 7, 0)));
            metrics.Tell(new RunEnded(2), TestActor);

            var flushed = ExpectMsg<MetricsFlushed>();
            Assert.Equal(2, flushed.RejectionsByReason[RejectionReason.NonFinite]);
            Assert.Equal(1, flushed.RejectionsByReason[RejectionReason.Late]);
            Assert.Equal(
                [
                    MetricsActor.Header,
                    "1,0.1,2.5,,3,1,0,1,0,0,12.346,1.500",
                    "2,0.3333333333333333,,0.75,2,2,1,1,,1,7.000,0.000",
                ],
                ReadWhileOpen(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static RoundMetrics Row(int round, bool pending) =>
        new(round, 0.5, null, null, 3, 0, 0, 0, null, false, 1, 1, TestAccuracyPending: pending);

    [Fact]
    public void A_row_awaiting_its_accuracy_holds_back_the_rows_after_it_and_the_end_of_the_run_waits_for_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fedactors-metrics-{Guid.NewGuid():N}.csv");
        try
        {
            var written = new List<int>();
            var metrics = Sys.ActorOf(MetricsActor.Props(path, m => { lock (written) written.Add(m.Round); }));
            metrics.Tell(new RoundCompleted(Row(1, pending: true)));
            metrics.Tell(new RoundCompleted(Row(2, pending: false)));
            metrics.Tell(new RoundCompleted(Row(3, pending: true)));
            metrics.Tell(new RunEnded(3), TestActor);
            // Answers may come in any order; rows still go out in round order.
            metrics.Tell(new EvaluationCompleted(3, 0.875));
            ExpectNoMsg(TimeSpan.FromMilliseconds(200));
            lock (written) Assert.Empty(written);

            metrics.Tell(new EvaluationCompleted(1, 0.25));

            var flushed = ExpectMsg<MetricsFlushed>();
            Assert.Equal(0.875, flushed.LastRound!.TestAccuracy);
            Assert.False(flushed.LastRound.TestAccuracyPending);
            lock (written) Assert.Equal([1, 2, 3], written);
            Assert.Equal(
                [
                    MetricsActor.Header,
                    "1,0.5,,0.25,3,0,0,0,,0,1.000,1.000",
                    "2,0.5,,,3,0,0,0,,0,1.000,1.000",
                    "3,0.5,,0.875,3,0,0,0,,0,1.000,1.000",
                ],
                ReadWhileOpen(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    // Row 3 written after the checkpoint at round 2, then row 4 cut mid-number by the kill.
    [InlineData(true, "4")]
    // The writer emptied its buffer one digit into row 3.
    [InlineData(false, "3")]
    public void Resuming_keeps_the_rows_up_to_the_checkpoint_and_drops_later_and_cut_ones(bool rowAfterCheckpoint, string cut)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fedactors-metrics-{Guid.NewGuid():N}.csv");
        try
        {
            var rows = new[] { Row(1, false), Row(2, false), Row(3, false) }.Select(MetricsActor.FormatRow).ToArray();
            string[] lines = rowAfterCheckpoint ? [MetricsActor.Header, .. rows] : [MetricsActor.Header, rows[0], rows[1]];
            File.WriteAllText(path, string.Join("\n", lines) + "\n" + cut);
            var checkpoint = new RunCheckpoint(2, [], new Dictionary<RejectionReason, int>());

            var metrics = Sys.ActorOf(MetricsActor.Props(path, resumeFrom: checkpoint));
            var rerun = Row(3, false) with { TrainLoss = 0.25 };
            metrics.Tell(new RoundCompleted(rerun));
            metrics.Tell(new RunEnded(3), TestActor);
            ExpectMsg<MetricsFlushed>();

            Assert.Equal([MetricsActor.Header, rows[0], rows[1], MetricsActor.FormatRow(rerun)], ReadWhileOpen(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The actor keeps the file open until it stops; a flushed file is readable meanwhile.</summary>
    private static string[] ReadWhileOpen(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
