namespace FedActors.Aggregation;

/// <summary>The f-versus-n checks the factories of the rules in Rules/ share, with messages that name both.</summary>
internal static class RuleLimits
{
    /// <summary>Throws unless n &gt;= 1 and 0 &lt;= f &lt;= n.</summary>
    public static void CheckCounts(string rule, int f, int n)
    {
        if (n < 1)
            throw new ArgumentException($"{rule} needs at least one worker, got n = {n}", nameof(n));
        if (f < 0)
            throw new ArgumentException($"{rule}: f (Byzantine workers) must be >= 0, got f = {f}", nameof(f));
        if (f > n)
            throw new ArgumentException($"{rule}: f = {f} Byzantine workers exceeds n = {n} workers", nameof(f));
    }

    /// <summary>Throws "RULE cannot tolerate f = F of n = N: needs CONDITION" unless <paramref name="holds"/>.</summary>
    public static void Require(string rule, int f, int n, bool holds, string condition)
    {
        if (!holds)
            throw new ArgumentException($"{rule} cannot tolerate f = {f} of n = {n}: needs {condition}", nameof(f));
    }

    /// <summary>The constructor's check of f alone (n is not known until the rows arrive).</summary>
    public static void CheckF(string rule, int f)
    {
        if (f < 0)
            throw new ArgumentOutOfRangeException(nameof(f), f, $"{rule}: f (Byzantine rows to tolerate) must be >= 0");
        if (f > (int.MaxValue - 1) / 3)
            throw new ArgumentOutOfRangeException(nameof(f), f, $"{rule}: f is too large");
    }

    /// <summary>Throws when the matrix has fewer rows than the rule needs.</summary>
    public static void CheckRows(IAggregationRule rule, IMatrixPasses rows, float[] output)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(output);
        if (output.Length != rows.Columns)
            throw new ArgumentException($"output has {output.Length} values, the rows {rows.Columns}", nameof(output));
        if (rows.Rows < rule.MinimumRows)
            throw new ArgumentException($"{rule.Name} needs at least {rule.MinimumRows} rows, got {rows.Rows}", nameof(rows));
    }
}
