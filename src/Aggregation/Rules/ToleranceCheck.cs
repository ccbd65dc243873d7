namespace FedActors.Aggregation;

/// <summary>
/// The f-versus-n checks of the rules' and pre-aggregators' factories, with the messages a config error shows
/// ("krum cannot tolerate f = 50 of n = 100: needs n &gt; 2f + 2"), and the row-count check made at aggregation time.
/// </summary>
internal static class ToleranceCheck
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> when n &lt; 1, f &lt; 0, f &gt; n, or <paramref name="tolerates"/> is false,
    /// in which case the message quotes <paramref name="requirement"/> (e.g. "n &gt; 2f + 2").
    /// </summary>
    public static void Require(string name, int f, int n, bool tolerates, string requirement)
    {
        Counts(name, f, n);
        if (!tolerates)
            throw new ArgumentException($"{name} cannot tolerate f = {f} of n = {n}: needs {requirement}", nameof(f));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless n &gt;= 1 and 0 &lt;= f &lt;= n.</summary>
    public static void Counts(string name, int f, int n)
    {
        if (n < 1)
            throw new ArgumentException($"{name} needs at least one worker, got n = {n}", nameof(n));
        if (f < 0)
            throw new ArgumentException($"{name}: f (Byzantine workers) must be >= 0, got f = {f}", nameof(f));
        if (f > n)
            throw new ArgumentException($"{name}: f = {f} Byzantine workers exceeds n = {n} workers", nameof(f));
    }

    /// <summary>Rejects a negative f in a constructor, and an f so large that 4f + 3 overflows.</summary>
    public static void NonNegative(int f, string name)
    {
        if (f < 0)
            throw new ArgumentOutOfRangeException(nameof(f), f, $"{name}: f (Byzantine rows to tolerate) must be >= 0");
        if (f > (int.MaxValue - 3) / 4)
            throw new ArgumentOutOfRangeException(nameof(f), f, $"{name}: f is too large");
    }

    /// <summary>The aggregation-time check: the matrix must hold at least the rule's minimum number of rows.</summary>
    public static void Rows(IAggregationRule rule, IMatrixPasses rows, float[]? output = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (output is not null && output.Length != rows.Columns)
            throw new ArgumentException($"output has {output.Length} values, the rows {rows.Columns}", nameof(output));
        if (rows.Rows < rule.MinimumRows)
            throw new ArgumentException($"{rule.Name} needs at least {rule.MinimumRows} rows, the matrix has {rows.Rows}", nameof(rows));
    }
}
