using System.Globalization;
using FedActors.Actors;

namespace FedActors.Host;

/// <summary>One line per finished round on standard output: what a person watching the run wants to see.</summary>
public sealed class ProgressLine(int rounds, TextWriter output)
{
    private readonly int _width = rounds.ToString(CultureInfo.InvariantCulture).Length;

    public void Report(RoundMetrics m) => output.WriteLine(Format(m));

    /// <summary>The round's line, without the newline.</summary>
    public string Format(RoundMetrics m)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"round {m.Round.ToString().PadLeft(_width)}/{rounds}  train_loss {m.TrainLoss,10:G5}");
        if (m.ParamError is { } error)
            line += string.Create(CultureInfo.InvariantCulture, $"  param_error {error,10:G5}");
        if (m.TestAccuracy is { } accuracy)
            line += string.Create(CultureInfo.InvariantCulture, $"  test_accuracy {accuracy:P2}");
        line += string.Create(CultureInfo.InvariantCulture,
            $"  accepted {m.AcceptedReports}  rejected {m.RejectedReports}  missing {m.MissingReports}{(m.UpdateSkipped ? "  (no update)" : "")}  {m.RoundMilliseconds:F0} ms");
        return line;
    }
}
