using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>
/// Mimic (Karimireddy, He, Jaggi, "Byzantine-robust learning on heterogeneous datasets via bucketing", ICLR 2022):
/// every member reports an exact copy of one honest gradient, the known row i* = argmax_i |&lt;g_i - mu, v&gt;| with v
/// the top principal direction of the known rows, so the rule over-weights the most atypical honest worker and the
/// heterogeneity of the data becomes a bias. The paper's online variant estimates v across rounds; this one computes
/// it from the current round's known rows only (no state).
/// </summary>
/// <remarks>
/// v is never formed: with C the centred k x d rows, v is proportional to C^T w for w the top eigenvector of the
/// k x k centred Gram matrix C C^T, and &lt;g_i - mu, C^T w&gt; = (C C^T w)_i. w comes from power iteration started at a
/// Gaussian vector drawn from the round's stream (any fixed start fails on symmetric inputs: the all-ones vector is
/// always in the null space of C C^T, and the squared distances to the mean are orthogonal to the top direction of a
/// symmetric cloud), stopped when no entry of w moves by more than 1e-12 or after 1000 iterations. Scores within a
/// relative 1e-9 of the largest are ties, and ties go to the lowest worker id; when all known rows coincide (or only
/// one is known) the first row is copied.
/// </remarks>
public sealed class MimicAttack : ICoalitionAttack
{
    private const int MaxIterations = 1000;
    private const double Tolerance = 1e-12;
    private const double TieTolerance = 1e-9;

    public string Name => "mimic";

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        var chosen = ChooseRow(new KnownGradients(knowledge.Honest), random);
        var source = knowledge.Honest.RowView(chosen);
        for (var m = 0; m < output.Rows; m++)
            source.CopyTo(output.Row(m));
    }

    /// <summary>The index (= lowest worker id on ties) of the known row the members copy.</summary>
    internal static int ChooseRow(KnownGradients known, Random random)
    {
        var k = known.K;
        var gram = known.CentredGram;
        var trace = 0.0;
        for (var i = 0; i < k; i++)
            trace += gram[i * k + i];
        if (!(trace > 0))
            return 0;
        var w = new double[k];
        for (var i = 0; i < k; i++)
            w[i] = random.NextGaussian();
        if (!Normalize(w))
            return 0;

        var next = new double[k];
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            Multiply(gram, w, next);
            if (!Normalize(next))
                return 0;
            var change = 0.0;
            for (var i = 0; i < k; i++)
                change = Math.Max(change, Math.Abs(next[i] - w[i]));
            (w, next) = (next, w);
            if (change <= Tolerance)
                break;
        }

        Multiply(gram, w, next);
        var top = 0.0;
        for (var i = 0; i < k; i++)
            top = Math.Max(top, Math.Abs(next[i]));
        // The iterate is exact only to the stopping tolerance, so rows tied in exact arithmetic can differ in the last
        // digits, by an amount that depends on the start; anything within TieTolerance of the top is a tie.
        for (var i = 0; i < k; i++)
        {
            if (Math.Abs(next[i]) >= top * (1 - TieTolerance))
                return i;
        }
        return 0;
    }

    private static void Multiply(double[] gram, double[] w, double[] result)
    {
        var k = w.Length;
        for (var i = 0; i < k; i++)
        {
            var sum = 0.0;
            for (var l = 0; l < k; l++)
                sum += gram[i * k + l] * w[l];
            result[i] = sum;
        }
    }

    private static bool Normalize(double[] v)
    {
        var norm = ForgedRows.Norm(v);
        if (!(norm > 0) || !double.IsFinite(norm))
            return false;
        for (var i = 0; i < v.Length; i++)
            v[i] /= norm;
        return true;
    }
}
