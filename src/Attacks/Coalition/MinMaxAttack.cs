using FedActors.Aggregation;

namespace FedActors.Attacks;

/// <summary>The perturbation direction p of <see cref="MinMaxAttack"/> and <see cref="MinSumAttack"/>.</summary>
public enum Perturbation
{
    /// <summary>p = -mu / ||mu||, the inverse unit vector (the reference code's default, dev_type='unit_vec').</summary>
    Unit,

    /// <summary>p = -sign(mu), coordinate-wise.</summary>
    Sign,

    /// <summary>p = -sigma, the coordinate-wise (unbiased) standard deviation of the known rows.</summary>
    Std,
}

/// <summary>
/// The AGR-agnostic attacks of Shejwalkar and Houmansadr ("Manipulating the Byzantine", NDSS 2021): every member
/// reports m = mu + gamma * p with the largest gamma for which m still looks like an honest row:
/// <list type="bullet">
/// <item>min-max: max_i ||m - g_i|| &lt;= max_{i,l} ||g_i - g_l|| (no farther from any honest row than two honest rows are);</item>
/// <item>min-sum: sum_i ||m - g_i||^2 &lt;= max_l sum_i ||g_l - g_i||^2 (as the paper states it; the authors' code compares
/// with the minimum over l instead, a stricter bound).</item>
/// </list>
/// </summary>
/// <remarks>
/// ||mu + gamma p - g_i||^2 = a_i + 2 gamma b_i + gamma^2 c with a_i = ||mu - g_i||^2, b_i = &lt;mu - g_i, p&gt;, c = ||p||^2,
/// so each test of a gamma costs O(k) once a, b, c are known. gamma = 0 always passes (the mean is inside both
/// bounds). The search starts at the paper's gamma_init = 10: it doubles gamma while it passes (or halves it while it
/// fails) to bracket the boundary, then bisects until the bracket is narrower than 1e-9 of its upper end or 200
/// steps; the last gamma that passed is used. (The paper's own loop halves a step from gamma_init down to an absolute
/// 1e-5, which cannot go beyond 2 gamma_init and is coarse for small gradients.) When p = 0 (all known rows equal,
/// or a zero mean with unit or sign) the members report mu.
/// </remarks>
public abstract class DistanceBoundAttack : ICoalitionAttack
{
    public const double InitialGamma = 10.0;
    private const double RelativeTolerance = 1e-9;
    private const int MaxSteps = 200;

    private protected DistanceBoundAttack(Perturbation perturbation)
    {
        if (!Enum.IsDefined(perturbation))
            throw new ArgumentOutOfRangeException(nameof(perturbation), perturbation, "perturbation must be unit, sign or std");
        Perturbation = perturbation;
    }

    public abstract string Name { get; }

    public Perturbation Perturbation { get; }

    /// <summary>The config spelling of a perturbation: unit | sign | std.</summary>
    public static Perturbation ParsePerturbation(string perturbation) => perturbation switch
    {
        "unit" => Perturbation.Unit,
        "sign" => Perturbation.Sign,
        "std" => Perturbation.Std,
        _ => throw new ArgumentException($"unknown perturbation '{perturbation}'; known: unit, sign, std", nameof(perturbation)),
    };

    public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        knowledge.CheckOutput(output);
        var known = new KnownGradients(knowledge.Honest);
        var direction = Direction(known, Perturbation);
        ForgedRows.Fill(output, ForgedRows.Along(known.Mean, Gamma(known, direction), direction));
    }

    /// <summary>p for the known rows.</summary>
    internal static double[] Direction(KnownGradients known, Perturbation perturbation)
    {
        var mean = known.Mean;
        var p = new double[known.D];
        switch (perturbation)
        {
            case Perturbation.Unit:
                var norm = ForgedRows.Norm(mean);
                if (norm > 0)
                {
                    for (var j = 0; j < p.Length; j++)
                        p[j] = -mean[j] / norm;
                }
                break;
            case Perturbation.Sign:
                for (var j = 0; j < p.Length; j++)
                    p[j] = -Math.Sign(mean[j]);
                break;
            default:
                var std = known.Std;
                for (var j = 0; j < p.Length; j++)
                    p[j] = -std[j];
                break;
        }
        return p;
    }

    /// <summary>The gamma the search settles on for direction p.</summary>
    internal double Gamma(KnownGradients known, double[] direction)
    {
        var c = 0.0;
        foreach (var x in direction)
            c += x * x;
        if (c == 0)
            return 0;
        var k = known.K;
        var a = new double[k];
        for (var i = 0; i < k; i++)
            a[i] = known.SquaredDistanceToMean(i);
        // b_i = <mu - g_i, p> = -<g_i - mu, p>.
        var b = known.CentredDots(direction);
        for (var i = 0; i < k; i++)
            b[i] = -b[i];
        var bound = Bound(known);
        return Search(gamma => Passes(a, b, c, gamma, bound));
    }

    /// <summary>The right-hand side of the constraint, computed from the known rows once per round.</summary>
    private protected abstract double Bound(KnownGradients known);

    /// <summary>Whether gamma satisfies the constraint, given the squared distances a_i + 2 gamma b_i + gamma^2 c.</summary>
    private protected abstract bool Passes(double[] a, double[] b, double c, double gamma, double bound);

    private static double Search(Func<double, bool> passes)
    {
        double low, high;
        if (passes(InitialGamma))
        {
            low = InitialGamma;
            high = 2 * InitialGamma;
            while (passes(high))
            {
                low = high;
                high *= 2;
                if (double.IsInfinity(high))
                    return low;
            }
        }
        else
        {
            low = InitialGamma / 2;
            high = InitialGamma;
            while (!passes(low))
            {
                high = low;
                low /= 2;
                if (low == 0)
                    return 0;
            }
        }
        for (var step = 0; step < MaxSteps && high - low > RelativeTolerance * high; step++)
        {
            var middle = low + (high - low) / 2;
            if (passes(middle))
                low = middle;
            else
                high = middle;
        }
        return low;
    }
}

/// <summary>Min-max: the largest gamma with max_i ||mu + gamma p - g_i|| &lt;= max_{i,l} ||g_i - g_l|| (see <see cref="DistanceBoundAttack"/>).</summary>
public sealed class MinMaxAttack(Perturbation perturbation = Perturbation.Unit) : DistanceBoundAttack(perturbation)
{
    public override string Name => "min-max";

    private protected override double Bound(KnownGradients known)
    {
        var max = 0.0;
        for (var i = 0; i < known.K; i++)
        {
            for (var l = i + 1; l < known.K; l++)
                max = Math.Max(max, known.SquaredDistance(i, l));
        }
        return max;
    }

    private protected override bool Passes(double[] a, double[] b, double c, double gamma, double bound)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] + 2 * gamma * b[i] + gamma * gamma * c > bound)
                return false;
        }
        return true;
    }
}

/// <summary>Min-sum: the largest gamma with sum_i ||mu + gamma p - g_i||^2 &lt;= max_l sum_i ||g_l - g_i||^2 (see <see cref="DistanceBoundAttack"/>).</summary>
public sealed class MinSumAttack(Perturbation perturbation = Perturbation.Unit) : DistanceBoundAttack(perturbation)
{
    public override string Name => "min-sum";

    private protected override double Bound(KnownGradients known)
    {
        var max = 0.0;
        for (var l = 0; l < known.K; l++)
        {
            var sum = 0.0;
            for (var i = 0; i < known.K; i++)
                sum += known.SquaredDistance(l, i);
            max = Math.Max(max, sum);
        }
        return max;
    }

    private protected override bool Passes(double[] a, double[] b, double c, double gamma, double bound)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
            sum += a[i] + 2 * gamma * b[i] + gamma * gamma * c;
        return sum <= bound;
    }
}
