using System.Globalization;
using System.Text;
using Akka.Actor;

namespace FedActors.Actors;

/// <summary>
/// Writes metrics.csv, one row per round in round order (the coordinator sends rounds in order, and one sender's
/// messages keep their order), and counts rejected reports by reason for the summary. A row whose test accuracy is
/// still being measured waits, with every row after it, until the evaluator's answer arrives; the end of the run waits
/// for the last of them, so the file is complete when <see cref="MetricsFlushed"/> goes out.
/// </summary>
public sealed class MetricsActor : ReceiveActor
{
    /// <summary>Columns of metrics.csv. Timing columns end in _ms: they are the only ones that differ between identical runs.</summary>
    public static readonly string Header =
        "round,train_loss,param_error,test_accuracy,accepted_reports,rejected_reports,missing_reports,byzantine_reports,byzantine_kept,update_skipped,round_ms,aggregate_ms";

    private readonly StreamWriter _csv;
    private readonly Action<RoundMetrics>? _onRound;
    private readonly Dictionary<RejectionReason, int> _rejections = new();
    private readonly Queue<RoundMetrics> _waiting = new();
    private readonly Dictionary<int, double?> _accuracies = new();
    private IActorRef? _flushRequester;
    private RoundMetrics? _lastWritten;

    /// <param name="onRound">Called after each row is written (the host's progress display); must not block.</param>
    public MetricsActor(string csvPath, Action<RoundMetrics>? onRound)
    {
        _onRound = onRound;
        _csv = new StreamWriter(csvPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        _csv.WriteLine(Header);

        Receive<RoundCompleted>(completed =>
        {
            _waiting.Enqueue(completed.Metrics);
            WriteReadyRows();
        });
        Receive<EvaluationCompleted>(evaluated =>
        {
            _accuracies[evaluated.Round] = evaluated.TestAccuracy;
            WriteReadyRows();
        });
        Receive<ReportRejected>(rejected =>
            _rejections[rejected.Reason] = _rejections.GetValueOrDefault(rejected.Reason) + 1);
        Receive<RunEnded>(_ =>
        {
            _flushRequester = Sender;
            WriteReadyRows();
        });
    }

    private void WriteReadyRows()
    {
        while (_waiting.TryPeek(out var next))
        {
            var row = next;
            if (next.TestAccuracyPending)
            {
                if (!_accuracies.Remove(next.Round, out var accuracy))
                    break;
                row = next with { TestAccuracy = accuracy, TestAccuracyPending = false };
            }
            _waiting.Dequeue();
            _csv.WriteLine(FormatRow(row));
            _lastWritten = row;
            _onRound?.Invoke(row);
        }
        if (_flushRequester is not null && _waiting.Count == 0)
        {
            _csv.Flush();
            _flushRequester.Tell(new MetricsFlushed(new Dictionary<RejectionReason, int>(_rejections), _lastWritten));
            _flushRequester = null;
        }
    }

    public static Props Props(string csvPath, Action<RoundMetrics>? onRound = null) =>
        Akka.Actor.Props.Create(() => new MetricsActor(csvPath, onRound));

    protected override void PostStop()
    {
        _csv.Dispose();
        base.PostStop();
    }

    /// <summary>Round-trip ("R") formatting in the invariant culture, so identical doubles give identical bytes.</summary>
    public static string FormatRow(RoundMetrics m)
    {
        static string Value(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        static string Millis(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
        return string.Join(',',
            m.Round.ToString(CultureInfo.InvariantCulture),
            Value(m.TrainLoss),
            Value(m.ParamError),
            Value(m.TestAccuracy),
            m.AcceptedReports.ToString(CultureInfo.InvariantCulture),
            m.RejectedReports.ToString(CultureInfo.InvariantCulture),
            m.MissingReports.ToString(CultureInfo.InvariantCulture),
            m.ByzantineReports.ToString(CultureInfo.InvariantCulture),
            m.ByzantineKept?.ToString(CultureInfo.InvariantCulture) ?? "",
            m.UpdateSkipped ? "1" : "0",
            Millis(m.RoundMilliseconds),
            Millis(m.AggregateMilliseconds));
    }
}
