using System.Globalization;
using System.Text;
using Akka.Actor;
using FedActors.Actors.Checkpoints;

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
    private readonly Dictionary<(int Round, RejectionReason Reason), int> _rejectionsByRound = new();
    private readonly Queue<CheckpointCaptured> _checkpoints = new();
    private readonly string _directory;
    private readonly IReadOnlyDictionary<RejectionReason, int> _resumedRejections;
    private IActorRef? _flushRequester;
    private RoundMetrics? _lastWritten;

    /// <param name="onRound">Called after each row is written (the host's progress display); must not block.</param>
    /// <param name="resumeFrom">A checkpoint the run continues from: metrics.csv keeps its rows up to the checkpoint's
    /// round (the rows a killed run wrote after it are dropped) and the rejection counts continue from the checkpoint's.</param>
    public MetricsActor(string csvPath, Action<RoundMetrics>? onRound, RunCheckpoint? resumeFrom = null)
    {
        _onRound = onRound;
        _directory = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        _resumedRejections = resumeFrom?.Rejections ?? new Dictionary<RejectionReason, int>();
        var kept = resumeFrom is null ? [Header] : RowsUpTo(csvPath, resumeFrom.Round);
        foreach (var (reason, count) in _resumedRejections)
            _rejections[reason] = count;
        _csv = new StreamWriter(csvPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        foreach (var line in kept)
            _csv.WriteLine(line);

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
        {
            _rejections[rejected.Reason] = _rejections.GetValueOrDefault(rejected.Reason) + 1;
            var key = (rejected.Round, rejected.Reason);
            _rejectionsByRound[key] = _rejectionsByRound.GetValueOrDefault(key) + 1;
        });
        Receive<CheckpointCaptured>(captured =>
        {
            _checkpoints.Enqueue(captured);
            WriteReadyRows();
        });
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
        while (_checkpoints.TryPeek(out var checkpoint) && _lastWritten is { } last && last.Round >= checkpoint.Round)
        {
            _checkpoints.Dequeue();
            _csv.Flush();
            new RunCheckpoint(checkpoint.Round, checkpoint.CoordinatorState, RejectionsUpTo(checkpoint.Round)).WriteTo(_directory);
        }
        if (_flushRequester is not null && _waiting.Count == 0)
        {
            _csv.Flush();
            _flushRequester.Tell(new MetricsFlushed(new Dictionary<RejectionReason, int>(_rejections), _lastWritten));
            _flushRequester = null;
        }
    }

    public static Props Props(string csvPath, Action<RoundMetrics>? onRound = null, RunCheckpoint? resumeFrom = null) =>
        Akka.Actor.Props.Create(() => new MetricsActor(csvPath, onRound, resumeFrom));

    private Dictionary<RejectionReason, int> RejectionsUpTo(int round)
    {
        var counts = new Dictionary<RejectionReason, int>(_resumedRejections);
        foreach (var ((rejectedIn, reason), count) in _rejectionsByRound)
        {
            if (rejectedIn <= round)
                counts[reason] = counts.GetValueOrDefault(reason) + count;
        }
        return counts;
    }

    /// <summary>The header and rows 1..round of a killed run's metrics.csv; every one of them must be there.</summary>
    private static List<string> RowsUpTo(string csvPath, int round)
    {
        if (!File.Exists(csvPath))
            throw new InvalidDataException($"{csvPath}: missing; a resumed run continues the metrics of the run it resumes");
        var lines = File.ReadAllLines(csvPath);
        if (lines.Length == 0 || lines[0] != Header)
            throw new InvalidDataException($"{csvPath}: not a metrics file of this version (header differs)");
        var kept = new List<string> { Header };
        foreach (var line in lines.Skip(1))
        {
            // A kill while the writer emptied its buffer can leave a last row cut before its first comma. Rows up to
            // the checkpoint were flushed before it was written, so a cut row lies past it, as the rows dropped here do.
            var comma = line.IndexOf(',');
            if (comma < 0)
                break;
            var rowRound = int.Parse(line.AsSpan(0, comma), CultureInfo.InvariantCulture);
            if (rowRound > round)
                break;
            if (rowRound != kept.Count)
                throw new InvalidDataException($"{csvPath}: row for round {rowRound} where round {kept.Count} was expected");
            kept.Add(line);
        }
        if (kept.Count != round + 1)
            throw new InvalidDataException($"{csvPath}: {kept.Count - 1} rows, but the checkpoint is at round {round}");
        return kept;
    }

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
