namespace FedActors.Aggregation.Tests.Passes;

/// <summary>
/// The passes written plainly, with no use of the library's kernels: naive double sums over all coordinates (the
/// mathematical values, to within rounding), and the documented summation order (eight lanes per 1024-coordinate
/// block, a fixed fold, then the block tree) reproduced one term at a time, to compare bits.
/// </summary>
internal static class PassReference
{
    public const int BlockSize = 1024;

    public static double NaiveDot(float[] x, float[] y)
    {
        var sum = 0.0;
        for (var j = 0; j < x.Length; j++)
            sum += (double)x[j] * y[j];
        return sum;
    }

    public static double NaiveSquaredDistance(float[] x, float[] z)
    {
        var sum = 0.0;
        for (var j = 0; j < x.Length; j++)
            sum += ((double)x[j] - z[j]) * ((double)x[j] - z[j]);
        return sum;
    }

    /// <summary>Sum of |term| of a dot product: the scale its rounding error is measured against.</summary>
    public static double DotMagnitude(float[] x, float[] y)
    {
        var sum = 0.0;
        for (var j = 0; j < x.Length; j++)
            sum += Math.Abs((double)x[j] * y[j]);
        return sum;
    }

    /// <summary>(float)(sum_i w_i x_ij) summed in double in row order: the exact definition, so compared bit for bit.</summary>
    public static float[] WeightedSum(float[][] rows, double[] weights)
    {
        var d = rows[0].Length;
        var output = new float[d];
        for (var j = 0; j < d; j++)
        {
            var sum = 0.0;
            for (var i = 0; i < rows.Length; i++)
                sum += weights[i] * rows[i][j];
            output[j] = (float)sum;
        }
        return output;
    }

    /// <summary>The sum over coordinates of term(j) in the documented order.</summary>
    public static double Ordered(int d, Func<int, double> term)
    {
        var blocks = (d + BlockSize - 1) / BlockSize;
        var partials = new double[blocks];
        for (var b = 0; b < blocks; b++)
        {
            var lanes = new double[8];
            for (var j = b * BlockSize; j < Math.Min(d, (b + 1) * BlockSize); j++)
                lanes[(j - b * BlockSize) % 8] += term(j);
            partials[b] = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
        }
        var level = 0;
        while ((1 << level) < blocks)
            level++;
        return Tree(partials, level, 0);
    }

    /// <summary>Node (level, index) of the block tree: left + right, or left alone when right lies past the last block.</summary>
    public static double Tree(double[] leaves, int level, int index)
    {
        if (level == 0)
            return leaves[index];
        var left = Tree(leaves, level - 1, 2 * index);
        var rightIndex = 2 * index + 1;
        if (rightIndex << (level - 1) >= leaves.Length)
            return left;
        return left + Tree(leaves, level - 1, rightIndex);
    }

    public static double OrderedDot(float[] x, float[] y) => Ordered(x.Length, j => (double)x[j] * y[j]);

    public static double OrderedSquaredDistance(float[] x, float[] z) =>
        Ordered(x.Length, j =>
        {
            var difference = (double)x[j] - z[j];
            return difference * difference;
        });

    public static float[] Vector(int d, int seed)
    {
        var random = new Random(seed);
        var vector = new float[d];
        for (var j = 0; j < d; j++)
            vector[j] = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-2, 3)));
        return vector;
    }
}
