using System.Diagnostics;
using System.Globalization;
using FedActors.Actors;

namespace FedActors.Host;

/// <summary>
/// A single progress line for a terminal, redrawn in place with '\r': a bar, rounds done of all rounds, rounds per
/// second and the time left; for a sweep also which cell of how many is running. Used only when standard output is a
/// terminal; redirected output gets <see cref="ProgressLine"/>'s plain lines instead, which logs and scripts can read.
/// </summary>
public sealed class ProgressBar
{

    // Rounds of a small experiment finish thousands of times a second; redrawing each would cost more than the round.
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _output;
    private readonly Func<TimeSpan> _elapsed;
    private readonly int _totalRounds;
    private readonly int _lineWidth;
    private readonly Lock _lock = new();
    private int _roundsBeforeCell;
    private int _cellRounds;
    private int _cellIndex;
    private int _cellCount;
    private string _cellLabel = "";
    private int _done;
    private TimeSpan? _lastDrawn;
    private int _lastLength;

    /// <param name="totalRounds">Rounds of the whole job: one run's, or every cell's of a sweep.</param>
    /// <param name="elapsed">Time since the job started (a stopwatch; tests pass a fixed clock).</param>
    /// <param name="lineWidth">The terminal's width; the line is cut to fit, since a wrapped line cannot be redrawn.</param>
    public ProgressBar(TextWriter output, int totalRounds, Func<TimeSpan>? elapsed = null, int lineWidth = 0)
    {
        _output = output;
        _totalRounds = Math.Max(1, totalRounds);
        var clock = Stopwatch.StartNew();
        _elapsed = elapsed ?? (() => clock.Elapsed);
        _lineWidth = lineWidth > 0 ? lineWidth : TerminalWidth();
        _cellRounds = totalRounds;
    }

    /// <summary>A sweep's next cell starts: rounds reported from now on are this cell's.</summary>
    public void StartCell(int index, int count, string label, int rounds)
    {
        lock (_lock)
        {
            _roundsBeforeCell = _done;
            _cellIndex = index;
            _cellCount = count;
            _cellLabel = label;
            _cellRounds = rounds;
            Draw(force: true);
        }
    }

    /// <summary>
    /// A run's round is done: the bar moves on, and a round that was evaluated (test accuracy) or ends the run is also
    /// printed above it as <paramref name="lines"/> formats it, so that a terminal shows the accuracy too, not only the
    /// redirected output's one line per round.
    /// </summary>
    public void Report(RoundMetrics m, ProgressLine lines)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(lines);
        lock (_lock)
        {
            if (m.TestAccuracy is not null || _roundsBeforeCell + m.Round >= _totalRounds)
                WriteAbove(lines.Format(m));
            Report(m.Round);
        }
    }

    /// <summary>Round <paramref name="round"/> of the current run (or cell) is done; called from the metrics actor.</summary>
    public void Report(int round)
    {
        lock (_lock)
        {
            _done = _roundsBeforeCell + Math.Min(round, _cellRounds);
            Draw(force: round >= _cellRounds);
            // The actor system logs while it shuts down, before the caller hears that the run ended.
            if (_done >= _totalRounds)
                Finish();
        }
    }

    /// <summary>Prints <paramref name="line"/> where the bar was and draws the bar again below it.</summary>
    public void WriteAbove(string line)
    {
        lock (_lock)
        {
            _output.WriteLine("\r" + line.PadRight(_lastLength));
            _lastLength = 0;
            Draw(force: true);
        }
    }

    /// <summary>Ends the line, so whatever is printed next starts on a fresh one.</summary>
    public void Finish()
    {
        lock (_lock)
        {
            if (_lastLength > 0)
                _output.WriteLine();
            _output.Flush();
            _lastLength = 0;
        }
    }

    /// <summary>The line as it would be drawn now (without '\r' and padding).</summary>
    public string Text()
    {
        var elapsed = _elapsed();
        var cellDone = _done - _roundsBeforeCell;
        // A sweep's line also names the cell, so its bar is shorter.
        var barWidth = _cellCount > 0 ? 10 : 24;
        var filled = (int)Math.Round(barWidth * (double)cellDone / Math.Max(1, _cellRounds));
        var bar = "[" + new string('#', filled) + new string('.', barWidth - filled) + "]";
        var rate = elapsed > TimeSpan.Zero && _done > 0 ? _done / elapsed.TotalSeconds : 0;
        var eta = rate > 0 ? FormatDuration(TimeSpan.FromSeconds((_totalRounds - _done) / rate)) : "--:--";
        var progress = string.Create(CultureInfo.InvariantCulture, $"{bar} {cellDone}/{_cellRounds} {rate:F1} rounds/s ETA {eta}");
        if (_cellCount == 0)
            return Fit(progress);
        // Cut the cell's name rather than the numbers when the terminal is narrow.
        var cell = string.Create(CultureInfo.InvariantCulture, $"cell {_cellIndex}/{_cellCount} {_cellLabel} ");
        var room = _lineWidth - 1 - progress.Length;
        return room >= cell.Length ? cell + progress : Fit((room > 1 ? cell[..(room - 1)] + " " : "") + progress);
    }

    private string Fit(string line) => line.Length < _lineWidth ? line : line[..(_lineWidth - 1)];

    private void Draw(bool force)
    {
        var now = _elapsed();
        if (!force && _lastDrawn is { } last && now - last < RedrawInterval)
            return;
        _lastDrawn = now;
        var line = Text();
        // Spaces wipe what a longer previous line left behind; '\r' alone does not erase.
        _output.Write("\r" + line.PadRight(_lastLength));
        _output.Flush();
        _lastLength = line.Length;
    }

    private static string FormatDuration(TimeSpan span) =>
        span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}:{span.Seconds:00}");

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 10 ? Console.WindowWidth : 80;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return 80;
        }
    }
}
