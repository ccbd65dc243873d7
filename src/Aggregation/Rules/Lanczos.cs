namespace FedActors.Aggregation;

/// <summary>
/// Top eigenpair of a small dense symmetric positive semi-definite matrix (n x n, row-major, double) by Lanczos with full
/// reorthogonalisation and explicit restarts: what the spectral filter needs from its n x n weighted Gram matrix.
/// Deterministic (fixed start, fixed order of every sum). An instance holds the scratch for one n, so that the filter's
/// many eigen-solves per call allocate nothing (when each step made its own, they were most of the 0.76-1.45 MB the
/// filter allocated per call at n = 200-1000).
/// </summary>
internal sealed class Lanczos
{
    /// <summary>Relative residual ||A y - theta y|| &lt;= this * theta at which the Ritz pair is accepted.</summary>
    public const double ResidualTolerance = 1e-10;

    private const int MaxSteps = 64;
    private const int MaxRestarts = 50;

    private readonly int _n;
    private readonly double[] _basis;
    private readonly double[] _alpha;
    private readonly double[] _beta;
    private readonly double[] _product;
    // The tridiagonal solve's diagonal, off-diagonal, rotations (m x m for the current m) and top eigenvector.
    private readonly double[] _diagonal;
    private readonly double[] _offDiagonal;
    private readonly double[] _rotations;
    private readonly double[] _ritz;

    /// <param name="n">The order of the matrices this instance solves.</param>
    public Lanczos(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        _n = n;
        var steps = Math.Min(n, MaxSteps);
        _basis = new double[(steps + 1) * n];
        (_alpha, _beta, _product) = (new double[steps], new double[steps], new double[n]);
        (_diagonal, _offDiagonal, _rotations, _ritz) = (new double[steps], new double[steps], new double[steps * steps], new double[steps]);
    }

    /// <summary>
    /// Returns the largest eigenvalue of <paramref name="matrix"/> (n x n) and writes a unit eigenvector into
    /// <paramref name="vector"/>, which on entry holds the start vector (a warm start from a nearby matrix converges in a
    /// few steps; a zero start falls back to the diagonal). The result is 0 with a zero vector for the zero matrix.
    /// </summary>
    public double TopEigenpair(double[] matrix, double[] vector)
    {
        var n = _n;
        if (matrix.Length < n * n || vector.Length < n)
            throw new ArgumentException($"an eigen-solve of order {n} needs {n * n} matrix and {n} vector values", nameof(matrix));
        if (Normalize(vector, n) == 0)
        {
            for (var i = 0; i < n; i++)
                vector[i] = matrix[i * n + i];
            if (Normalize(vector, n) == 0)
            {
                Array.Clear(vector, 0, n);
                return 0;
            }
        }

        var steps = Math.Min(n, MaxSteps);
        var (basis, alpha, beta, product) = (_basis, _alpha, _beta, _product);
        var theta = 0.0;
        for (var restart = 0; restart <= MaxRestarts; restart++)
        {
            Array.Copy(vector, 0, basis, 0, n);
            var used = 0;
            var residual = double.PositiveInfinity;
            double[]? ritz = null;
            for (var j = 0; j < steps; j++)
            {
                var q = basis.AsSpan(j * n, n);
                Multiply(matrix, n, q, product);
                alpha[j] = Dot(q, product);
                // Full reorthogonalisation, twice ("twice is enough"): keeps the basis orthogonal in floating point.
                for (var pass = 0; pass < 2; pass++)
                {
                    for (var k = 0; k <= j; k++)
                    {
                        var qk = basis.AsSpan(k * n, n);
                        var c = Dot(qk, product);
                        for (var i = 0; i < n; i++)
                            product[i] -= c * qk[i];
                    }
                }
                beta[j] = Math.Sqrt(Dot(product, product));
                used = j + 1;
                var next = basis.AsSpan((j + 1) * n, n);
                var invariant = beta[j] <= 1e-14 * Math.Max(Math.Abs(alpha[j]), Math.Abs(theta));
                if (!invariant)
                {
                    for (var i = 0; i < n; i++)
                        next[i] = product[i] / beta[j];
                }

                ritz = TridiagonalTop(alpha, beta, used, out theta);
                residual = invariant ? 0 : Math.Abs(beta[j] * ritz[used - 1]);
                if (invariant || residual <= ResidualTolerance * Math.Abs(theta))
                    break;
            }

            // y = Q s, the Ritz vector, becomes the answer or the next start.
            Array.Clear(vector, 0, n);
            for (var k = 0; k < used; k++)
            {
                var qk = basis.AsSpan(k * n, n);
                for (var i = 0; i < n; i++)
                    vector[i] += ritz![k] * qk[i];
            }
            Normalize(vector, n);
            if (residual <= ResidualTolerance * Math.Abs(theta) || theta == 0)
                break;
        }
        return Math.Max(theta, 0);
    }

    private static void Multiply(double[] matrix, int n, ReadOnlySpan<double> x, double[] y)
    {
        for (var i = 0; i < n; i++)
            y[i] = Dot(matrix.AsSpan(i * n, n), x);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    private static double Normalize(double[] vector, int n)
    {
        var norm = Math.Sqrt(Dot(vector.AsSpan(0, n), vector.AsSpan(0, n)));
        if (norm == 0 || !double.IsFinite(norm))
            return 0;
        for (var i = 0; i < n; i++)
            vector[i] /= norm;
        return norm;
    }

    /// <summary>
    /// Largest eigenvalue and its unit eigenvector of the m x m symmetric tridiagonal matrix with diagonal alpha and
    /// off-diagonal beta[0..m-2], by the implicit QL algorithm (tql2 of EISPACK, as in JAMA).
    /// </summary>
    private double[] TridiagonalTop(double[] alpha, double[] beta, int m, out double top)
    {
        var (d, e, z) = (_diagonal, _offDiagonal, _rotations);
        Array.Clear(z, 0, m * m);
        for (var i = 0; i < m; i++)
        {
            d[i] = alpha[i];
            e[i] = i + 1 < m ? beta[i] : 0;
            z[i * m + i] = 1;
        }

        var f = 0.0;
        var tst1 = 0.0;
        var eps = Math.Pow(2.0, -52.0);
        for (var l = 0; l < m; l++)
        {
            tst1 = Math.Max(tst1, Math.Abs(d[l]) + Math.Abs(e[l]));
            var k = l;
            while (k < m && Math.Abs(e[k]) > eps * tst1)
                k++;
            if (k > l)
            {
                do
                {
                    var g = d[l];
                    var p = (d[l + 1] - g) / (2.0 * e[l]);
                    var r = Hypot(p, 1.0);
                    if (p < 0)
                        r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    var dl1 = d[l + 1];
                    var h = g - d[l];
                    for (var i = l + 2; i < m; i++)
                        d[i] -= h;
                    f += h;

                    p = d[k];
                    var c = 1.0;
                    var c2 = c;
                    var c3 = c;
                    var el1 = e[l + 1];
                    var s = 0.0;
                    var s2 = 0.0;
                    for (var i = k - 1; i >= l; i--)
                    {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        for (var row = 0; row < m; row++)
                        {
                            h = z[row * m + i + 1];
                            z[row * m + i + 1] = s * z[row * m + i] + c * h;
                            z[row * m + i] = c * z[row * m + i] - s * h;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                }
                while (Math.Abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }

        var best = 0;
        for (var i = 1; i < m; i++)
        {
            if (d[i] > d[best])
                best = i;
        }
        top = d[best];
        var vector = _ritz;
        for (var row = 0; row < m; row++)
            vector[row] = z[row * m + best];
        return vector;
    }

    private static double Hypot(double a, double b)
    {
        if (Math.Abs(a) > Math.Abs(b))
        {
            var r = b / a;
            return Math.Abs(a) * Math.Sqrt(1 + r * r);
        }
        if (b != 0)
        {
            var r = a / b;
            return Math.Abs(b) * Math.Sqrt(1 + r * r);
        }
        return 0;
    }
}
