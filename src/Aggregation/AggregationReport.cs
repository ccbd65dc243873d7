namespace FedActors.Aggregation;

/// <summary>
/// Diagnostics of one aggregation, reused across rounds. <see cref="Weights"/> says how much each input row counted:
/// for rules that output a combination of rows (mean, Krum, Multi-Krum, filter, Weiszfeld, centered clipping) the
/// coefficient of the row in that combination, normalised to sum to 1, and 0 for a dropped row; for the coordinate-wise
/// order-statistic rules (median, trimmed mean, meamed) c_i / sum_k c_k, where c_i counts the coordinates at which
/// the row's value was among the values kept there (inside the band of kept values, ties at its bounds all counting:
/// see <see cref="IKeptBandRule"/>), so 0 for a row never kept. NaN when the rule does not measure weights.
/// </summary>
public sealed class AggregationReport
{
    private double[] _weights = [];

    /// <summary>Weight of each row of the input matrix (length = rows of the last call).</summary>
    public Span<double> Weights => _weights.AsSpan(0, Rows);

    /// <summary>Rows of the last call.</summary>
    public int Rows { get; private set; }

    /// <summary>Iterations an iterative rule used (Weiszfeld, filtering rounds, clipping iterations); 0 otherwise.</summary>
    public int Iterations { get; set; }

    /// <summary>The rule's objective at its output (e.g. sum_i ||z - x_i|| for the geometric median); NaN when it has none.</summary>
    public double Objective { get; set; } = double.NaN;

    /// <summary>Whether an iterative rule met its tolerance (false: it stopped at its iteration cap).</summary>
    public bool Converged { get; set; } = true;

    /// <summary>Rows the rule removed or gave weight 0.</summary>
    public int RowsDropped
    {
        get
        {
            var dropped = 0;
            foreach (var weight in Weights)
            {
                if (weight == 0)
                    dropped++;
            }
            return dropped;
        }
    }

    /// <summary>Starts a call over <paramref name="rows"/> rows: weights NaN (not measured), no iterations, no objective.</summary>
    public void Reset(int rows)
    {
        if (_weights.Length < rows)
            _weights = new double[rows];
        Rows = rows;
        Weights.Fill(double.NaN);
        Iterations = 0;
        Objective = double.NaN;
        Converged = true;
    }
}
