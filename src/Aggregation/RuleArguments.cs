namespace FedActors.Aggregation;

/// <summary>The argument checks every coordinate-wise rule makes before touching memory.</summary>
internal static class RuleArguments
{
    public static int CheckedMinimumRows(int f, string ruleName)
    {
        if (f < 0)
            throw new ArgumentOutOfRangeException(nameof(f), f, $"{ruleName}: f (Byzantine rows to tolerate) must be >= 0");
        if (f > (int.MaxValue - 1) / 2)
            throw new ArgumentOutOfRangeException(nameof(f), f, $"{ruleName}: f is too large");
        return 2 * f + 1;
    }

    public static void CheckRange(
        IAggregationRule rule, GradientMatrix matrix, CoordinateRange range, int outputLength)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (range.Start < 0 || range.Length < 0 || (long)range.Start + range.Length > matrix.Columns)
            throw new ArgumentOutOfRangeException(nameof(range), range, $"the range must lie in [0, {matrix.Columns})");
        if (outputLength != range.Length)
            throw new ArgumentException($"output has {outputLength} values, the range {range.Length}", "output");
        if (matrix.Rows < rule.MinimumRows)
            throw new ArgumentException(
                $"{rule.Name} needs at least {rule.MinimumRows} rows, the matrix has {matrix.Rows}", nameof(matrix));
    }
}
