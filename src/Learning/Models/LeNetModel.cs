using System.Numerics;
using System.Runtime.InteropServices;

namespace FedActors.Learning;

/// <summary>
/// A LeNet-style convolutional classifier for 28x28x1 images (784 features, row-major):
/// conv 5x5 (C1 filters, valid) + ReLU, 2x2 max-pool, conv 5x5 (C2 filters, valid) + ReLU, 2x2 max-pool,
/// fully connected H units + ReLU, dropout p (training only), fully connected to the classes, softmax cross-entropy.
/// Spatial sizes: 28 -> 24 -> 12 -> 8 -> 4, so the first fully connected layer sees C2 * 16 features.
/// </summary>
/// <remarks>
/// <para>Parameters, layer by layer, each weight matrix row-major (outputs x inputs) followed by its biases:
/// conv1 W (C1 x 25), b (C1); conv2 W (C2 x C1*25), b (C2); fc1 W (H x C2*16), b (H); fc2 W (classes x H), b (classes).
/// A convolution weight row is indexed (input channel, ky, kx); the flattened features are (channel, y, x).</para>
/// <para>Convolutions are 'valid' because that is the geometry whose parameter count matches the paper's
/// (conv5x5-64, conv5x5-64, FC 1024, FC 10 gives 1,163,978 parameters, the quoted ~1.16M; 'same' padding would make
/// fc1 see 64 * 7 * 7 inputs and the count 3.3M).</para>
/// <para>Determinism: everything is computed in double. Every matrix product is a sequence of row updates
/// c[i, :] += a(i, k) * b[k, :] with k ascending; the vector instructions only batch independent elements of a row, so
/// each output's additions happen in the same order, with the same roundings, whatever the vector width.</para>
/// <para>Dropout is inverted dropout (kept units scaled by 1 / (1 - p)) and applies only in
/// <see cref="LossAndGradient"/>; <see cref="Loss"/> and <see cref="Predict"/> evaluate the full network. The interface
/// passes no random source, so the mask of a hidden unit is a hash of (seed, a fingerprint of the batch's row ids, the
/// sample's position in the batch, the unit): the same call gives the same bits, while different mini-batches, and the
/// same row drawn in different batches, get fresh masks.</para>
/// <para>Weights start He-uniform, U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), biases at zero.</para>
/// </remarks>
public sealed class LeNetModel : IClassifier
{
    private const int Side = 28;
    private const int Kernel = 5;
    private const int Taps = Kernel * Kernel;
    private const int Side1 = Side - Kernel + 1; // 24
    private const int Pooled1 = Side1 / 2; // 12
    private const int Side2 = Pooled1 - Kernel + 1; // 8
    private const int Pooled2 = Side2 / 2; // 4

    private readonly int _w1, _b1, _w2, _b2, _w3, _b3, _w4, _b4;
    private readonly ulong _seed;

    public LeNetModel(int conv1Filters, int conv2Filters, int hidden, double dropout = 0, int classes = 10,
        ulong dropoutSeed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(conv1Filters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(conv2Filters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1)");
        Conv1Filters = conv1Filters;
        Conv2Filters = conv2Filters;
        Hidden = hidden;
        Dropout = dropout;
        Classes = classes;
        _seed = dropoutSeed;
        long offset = 0;
        int Take(long length)
        {
            var start = checked((int)offset);
            offset += length;
            return start;
        }
        _w1 = Take((long)conv1Filters * Taps);
        _b1 = Take(conv1Filters);
        _w2 = Take((long)conv2Filters * conv1Filters * Taps);
        _b2 = Take(conv2Filters);
        _w3 = Take((long)hidden * FlatFeatures);
        _b3 = Take(hidden);
        _w4 = Take((long)classes * hidden);
        _b4 = Take(classes);
        ParameterCount = checked((int)offset);
    }

    /// <summary>The model of the block-coordinate geometric median paper: 64, 64, 1024, dropout 0.5, 10 classes.</summary>
    public static LeNetModel Paper(ulong dropoutSeed = 0) => new(64, 64, 1024, 0.5, 10, dropoutSeed);

    public const int Features = Side * Side;

    public int Conv1Filters { get; }

    public int Conv2Filters { get; }

    public int Hidden { get; }

    public double Dropout { get; }

    public int Classes { get; }

    public int ParameterCount { get; }

    private int FlatFeatures => Conv2Filters * Pooled2 * Pooled2;

    public void Initialize(Span<float> parameters, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        parameters.Clear();
        Fill(parameters.Slice(_w1, _b1 - _w1), Taps, random);
        Fill(parameters.Slice(_w2, _b2 - _w2), Conv1Filters * Taps, random);
        Fill(parameters.Slice(_w3, _b3 - _w3), FlatFeatures, random);
        Fill(parameters.Slice(_w4, _b4 - _w4), Hidden, random);

        static void Fill(Span<float> weights, int fanIn, Random random)
        {
            var limit = Math.Sqrt(6.0 / fanIn);
            for (var k = 0; k < weights.Length; k++)
                weights[k] = (float)((2 * random.NextDouble() - 1) * limit);
        }
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        CheckArguments(parameters, data, batch);
        ModelArguments.CheckGradient(this, gradient);
        var w = new Workspace(this, parameters);
        var sum = new double[ParameterCount];
        var fingerprint = BatchFingerprint(batch);
        var loss = 0.0;
        for (var position = 0; position < batch.Length; position++)
        {
            var row = batch[position];
            var key = Mix(_seed ^ Mix(fingerprint + (ulong)position));
            loss += Forward(w, data.Row(row), Dropout > 0 ? key : null, data.Label(row));
            Backward(w, data.Label(row), sum);
        }
        var mean = 1.0 / batch.Length;
        for (var k = 0; k < sum.Length; k++)
            gradient[k] = (float)(sum[k] * mean);
        return loss * mean;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch)
    {
        CheckArguments(parameters, data, batch);
        var w = new Workspace(this, parameters);
        var loss = 0.0;
        foreach (var row in batch)
            loss += Forward(w, data.Row(row), null, data.Label(row));
        return loss / batch.Length;
    }

    /// <summary>The class with the largest logit; ties go to the lowest class id.</summary>
    public int Predict(ReadOnlySpan<float> parameters, Dataset data, int row)
    {
        Span<int> prediction = stackalloc int[1];
        Predict(parameters, data, [row], prediction);
        return prediction[0];
    }

    /// <summary>
    /// One workspace for all the rows: building it converts the parameters to double and transposes fc1's 8 MB of
    /// weights, which per row made a 10 000-image evaluation take minutes.
    /// </summary>
    public void Predict(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<int> predictions)
    {
        CheckArguments(parameters, data, rows);
        ModelArguments.CheckPredictions(rows, predictions);
        var w = new Workspace(this, parameters);
        for (var k = 0; k < rows.Length; k++)
        {
            Forward(w, data.Row(rows[k]), null, 0);
            var best = 0;
            for (var c = 1; c < Classes; c++)
            {
                if (w.Logits[c] > w.Logits[best])
                    best = c;
            }
            predictions[k] = best;
        }
    }

    /// <summary>Runs one sample forward, leaving every intermediate in the workspace; returns its cross-entropy.</summary>
    private double Forward(Workspace w, ReadOnlySpan<float> x, ulong? dropoutKey, int label)
    {
        var p = w.Parameters;
        for (var j = 0; j < x.Length; j++)
            w.Input[j] = x[j];

        Im2Col(w.Input, 1, Side, w.Col1, w.Col1T);
        Convolve(p.AsSpan(_w1, _b1 - _w1), p.AsSpan(_b1, Conv1Filters), w.Col1, Conv1Filters, Taps, Side1 * Side1, w.Z1);
        MaxPoolRelu(w.Z1, Conv1Filters, Side1, w.Pool1, w.Arg1);

        var taps2 = Conv1Filters * Taps;
        Im2Col(w.Pool1, Conv1Filters, Pooled1, w.Col2, w.Col2T);
        Convolve(p.AsSpan(_w2, _b2 - _w2), p.AsSpan(_b2, Conv2Filters), w.Col2, Conv2Filters, taps2, Side2 * Side2, w.Z2);
        MaxPoolRelu(w.Z2, Conv2Filters, Side2, w.Flat, w.Arg2);

        // fc1 as a row vector times W3^T, so its additions run along contiguous memory like the convolutions'.
        p.AsSpan(_b3, Hidden).CopyTo(w.Z3);
        Kernels.MultiplyAdd(1, Hidden, FlatFeatures, w.Flat, 0, 1, w.W3T, w.Z3);
        var scale = 1 / (1 - Dropout);
        for (var h = 0; h < Hidden; h++)
        {
            var kept = dropoutKey is not { } key || Uniform(Mix(key + (ulong)h)) >= Dropout;
            w.Mask[h] = kept ? (dropoutKey is null ? 1 : scale) : 0;
            w.A3[h] = Math.Max(w.Z3[h], 0) * w.Mask[h];
        }

        p.AsSpan(_b4, Classes).CopyTo(w.Logits);
        Kernels.MultiplyAdd(1, Classes, Hidden, w.A3, 0, 1, w.W4T, w.Logits);
        var max = double.NegativeInfinity;
        foreach (var z in w.Logits)
            max = Math.Max(max, z);
        var total = 0.0;
        foreach (var z in w.Logits)
            total += Math.Exp(z - max);
        var logSumExp = max + Math.Log(total);
        for (var c = 0; c < Classes; c++)
            w.Softmax[c] = Math.Exp(w.Logits[c] - logSumExp);
        return logSumExp - w.Logits[label];
    }

    /// <summary>Adds this sample's gradient (not yet divided by the batch size) to <paramref name="sum"/>.</summary>
    private void Backward(Workspace w, int label, double[] sum)
    {
        var p = w.Parameters;
        for (var c = 0; c < Classes; c++)
            w.DLogits[c] = w.Softmax[c] - (c == label ? 1.0 : 0.0);

        // fc2: dW4 += d a3^T, db4 += d, da3 = W4^T d.
        Kernels.MultiplyAdd(Classes, Hidden, 1, w.DLogits, 1, 1, w.A3, sum.AsSpan(_w4, Classes * Hidden));
        AddTo(w.DLogits, sum.AsSpan(_b4, Classes));
        Array.Clear(w.DA3);
        Kernels.MultiplyAdd(1, Hidden, Classes, w.DLogits, 0, 1, p.AsSpan(_w4, Classes * Hidden), w.DA3);
        for (var h = 0; h < Hidden; h++)
            w.DZ3[h] = w.Z3[h] > 0 ? w.DA3[h] * w.Mask[h] : 0;

        // fc1.
        Kernels.MultiplyAdd(Hidden, FlatFeatures, 1, w.DZ3, 1, 1, w.Flat, sum.AsSpan(_w3, Hidden * FlatFeatures));
        AddTo(w.DZ3, sum.AsSpan(_b3, Hidden));
        Array.Clear(w.DFlat);
        Kernels.MultiplyAdd(1, FlatFeatures, Hidden, w.DZ3, 0, 1, p.AsSpan(_w3, Hidden * FlatFeatures), w.DFlat);

        // conv2: route through the pool's winners (the ReLU gate is part of the unpooling), then
        // dW2 += dZ2 col2^T, db2 += row sums of dZ2, dCol2 = W2^T dZ2 scattered back by col2im.
        var taps2 = Conv1Filters * Taps;
        var positions2 = Side2 * Side2;
        Unpool(w.DFlat, w.Arg2, w.Z2, w.DZ2);
        Kernels.MultiplyAdd(Conv2Filters, taps2, positions2, w.DZ2, positions2, 1, w.Col2T, sum.AsSpan(_w2, Conv2Filters * taps2));
        AddRowSums(w.DZ2, Conv2Filters, positions2, sum.AsSpan(_b2, Conv2Filters));
        Array.Clear(w.DCol2);
        Kernels.MultiplyAdd(taps2, positions2, Conv2Filters, p.AsSpan(_w2, Conv2Filters * taps2), 1, taps2, w.DZ2, w.DCol2);
        Col2Im(w.DCol2, Conv1Filters, Pooled1, w.DPool1);

        // conv1: no input gradient is needed.
        var positions1 = Side1 * Side1;
        Unpool(w.DPool1, w.Arg1, w.Z1, w.DZ1);
        Kernels.MultiplyAdd(Conv1Filters, Taps, positions1, w.DZ1, positions1, 1, w.Col1T, sum.AsSpan(_w1, Conv1Filters * Taps));
        AddRowSums(w.DZ1, Conv1Filters, positions1, sum.AsSpan(_b1, Conv1Filters));
    }

    /// <summary>
    /// col[(c, ky, kx), (oy, ox)] = input[c, oy + ky, ox + kx] for a valid 5x5 convolution, and the same matrix
    /// transposed (the weight gradient needs patches as rows).
    /// </summary>
    private static void Im2Col(ReadOnlySpan<double> input, int channels, int side, Span<double> col, Span<double> colT)
    {
        var outSide = side - Kernel + 1;
        var positions = outSide * outSide;
        var taps = channels * Taps;
        for (var c = 0; c < channels; c++)
        {
            for (var ky = 0; ky < Kernel; ky++)
            {
                for (var kx = 0; kx < Kernel; kx++)
                {
                    var tap = (c * Kernel + ky) * Kernel + kx;
                    for (var oy = 0; oy < outSide; oy++)
                    {
                        var source = (c * side + oy + ky) * side + kx;
                        for (var ox = 0; ox < outSide; ox++)
                        {
                            var value = input[source + ox];
                            var position = oy * outSide + ox;
                            col[tap * positions + position] = value;
                            colT[position * taps + tap] = value;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: input[c, oy + ky, ox + kx] += col[(c, ky, kx), (oy, ox)].</summary>
    private static void Col2Im(ReadOnlySpan<double> col, int channels, int side, Span<double> input)
    {
        var outSide = side - Kernel + 1;
        var positions = outSide * outSide;
        input.Clear();
        for (var c = 0; c < channels; c++)
        {
            for (var ky = 0; ky < Kernel; ky++)
            {
                for (var kx = 0; kx < Kernel; kx++)
                {
                    var tap = (c * Kernel + ky) * Kernel + kx;
                    for (var oy = 0; oy < outSide; oy++)
                    {
                        var target = (c * side + oy + ky) * side + kx;
                        for (var ox = 0; ox < outSide; ox++)
                            input[target + ox] += col[tap * positions + oy * outSide + ox];
                    }
                }
            }
        }
    }

    /// <summary>z[o, :] = b[o] + sum over taps of W[o, tap] col[tap, :].</summary>
    private static void Convolve(ReadOnlySpan<double> weights, ReadOnlySpan<double> bias, ReadOnlySpan<double> col,
        int outputs, int taps, int positions, Span<double> z)
    {
        for (var o = 0; o < outputs; o++)
            z.Slice(o * positions, positions).Fill(bias[o]);
        Kernels.MultiplyAdd(outputs, positions, taps, weights, taps, 1, col, z);
    }

    /// <summary>
    /// pooled = 2x2 max-pool of ReLU(z); arg holds the winning index into z (first in scan order on ties).
    /// ReLU and max commute, so pooling the rectified map equals rectifying the pooled one.
    /// </summary>
    private static void MaxPoolRelu(ReadOnlySpan<double> z, int channels, int side, Span<double> pooled, Span<int> arg)
    {
        var half = side / 2;
        for (var c = 0; c < channels; c++)
        {
            for (var py = 0; py < half; py++)
            {
                for (var px = 0; px < half; px++)
                {
                    var best = (c * side + 2 * py) * side + 2 * px;
                    for (var dy = 0; dy < 2; dy++)
                    {
                        for (var dx = 0; dx < 2; dx++)
                        {
                            var index = (c * side + 2 * py + dy) * side + 2 * px + dx;
                            if (z[index] > z[best])
                                best = index;
                        }
                    }
                    var target = (c * half + py) * half + px;
                    arg[target] = best;
                    pooled[target] = Math.Max(z[best], 0);
                }
            }
        }
    }

    /// <summary>dz = the pooled gradient placed at each window's winner, zero where that winner was not positive.</summary>
    private static void Unpool(ReadOnlySpan<double> dPooled, ReadOnlySpan<int> arg, ReadOnlySpan<double> z, Span<double> dz)
    {
        dz.Clear();
        for (var k = 0; k < dPooled.Length; k++)
        {
            var index = arg[k];
            if (z[index] > 0)
                dz[index] = dPooled[k];
        }
    }

    private static void AddRowSums(ReadOnlySpan<double> matrix, int rows, int columns, Span<double> sums)
    {
        for (var r = 0; r < rows; r++)
        {
            var total = 0.0;
            foreach (var value in matrix.Slice(r * columns, columns))
                total += value;
            sums[r] += total;
        }
    }

    private static void AddTo(ReadOnlySpan<double> source, Span<double> target)
    {
        for (var k = 0; k < source.Length; k++)
            target[k] += source[k];
    }

    private static ulong BatchFingerprint(ReadOnlySpan<int> batch)
    {
        var h = 0x9E3779B97F4A7C15UL;
        foreach (var row in batch)
            h = Mix(h ^ (uint)row);
        return h;
    }

    /// <summary>SplitMix64's finalizer: a cheap bijective hash whose low and high bits are both well mixed.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static double Uniform(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));

    private void CheckArguments(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch)
    {
        ModelArguments.Check(this, Features, parameters, data, batch);
        if (data.ClassCount != Classes)
            throw new ArgumentException($"The model has {Classes} classes, the dataset {data.ClassCount}.", nameof(data));
    }

    /// <summary>
    /// Per-call buffers. A fresh one per call keeps the model stateless, so one instance may serve several threads.
    /// </summary>
    private sealed class Workspace
    {
        public Workspace(LeNetModel m, ReadOnlySpan<float> parameters)
        {
            Parameters = new double[parameters.Length];
            for (var k = 0; k < parameters.Length; k++)
                Parameters[k] = parameters[k];
            var flat = m.FlatFeatures;
            W3T = Transpose(Parameters.AsSpan(m._w3, m.Hidden * flat), m.Hidden, flat);
            W4T = Transpose(Parameters.AsSpan(m._w4, m.Classes * m.Hidden), m.Classes, m.Hidden);
            var taps2 = m.Conv1Filters * Taps;
            Input = new double[Features];
            Col1 = new double[Taps * Side1 * Side1];
            Col1T = new double[Taps * Side1 * Side1];
            Z1 = new double[m.Conv1Filters * Side1 * Side1];
            DZ1 = new double[Z1.Length];
            Pool1 = new double[m.Conv1Filters * Pooled1 * Pooled1];
            DPool1 = new double[Pool1.Length];
            Arg1 = new int[Pool1.Length];
            Col2 = new double[taps2 * Side2 * Side2];
            Col2T = new double[Col2.Length];
            DCol2 = new double[Col2.Length];
            Z2 = new double[m.Conv2Filters * Side2 * Side2];
            DZ2 = new double[Z2.Length];
            Flat = new double[flat];
            DFlat = new double[flat];
            Arg2 = new int[flat];
            Z3 = new double[m.Hidden];
            DZ3 = new double[m.Hidden];
            A3 = new double[m.Hidden];
            DA3 = new double[m.Hidden];
            Mask = new double[m.Hidden];
            Logits = new double[m.Classes];
            Softmax = new double[m.Classes];
            DLogits = new double[m.Classes];
        }

        public double[] Parameters { get; }
        public double[] W3T { get; }
        public double[] W4T { get; }
        public double[] Input { get; }
        public double[] Col1 { get; }
        public double[] Col1T { get; }
        public double[] Z1 { get; }
        public double[] DZ1 { get; }
        public double[] Pool1 { get; }
        public double[] DPool1 { get; }
        public int[] Arg1 { get; }
        public double[] Col2 { get; }
        public double[] Col2T { get; }
        public double[] DCol2 { get; }
        public double[] Z2 { get; }
        public double[] DZ2 { get; }
        public double[] Flat { get; }
        public double[] DFlat { get; }
        public int[] Arg2 { get; }
        public double[] Z3 { get; }
        public double[] DZ3 { get; }
        public double[] A3 { get; }
        public double[] DA3 { get; }
        public double[] Mask { get; }
        public double[] Logits { get; }
        public double[] Softmax { get; }
        public double[] DLogits { get; }

        private static double[] Transpose(ReadOnlySpan<double> matrix, int rows, int columns)
        {
            var result = new double[matrix.Length];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                    result[c * rows + r] = matrix[r * columns + c];
            }
            return result;
        }
    }

    private static class Kernels
    {
        /// <summary>Rows of b held in cache while every row of c passes over them; 64 rows of 64 doubles is 32 KB.</summary>
        private const int BlockRows = 64;

        /// <summary>
        /// c[i, :] += sum over k of a(i, k) b[k, :], with a(i, k) = a[i * aRow + k * aColumn] (so a transposed a is free),
        /// b (depth x n) and c (m x n) row-major. Each c element receives its terms in ascending k, blocks included.
        /// Zero coefficients are skipped: after ReLU and pooling most of a backward pass's are, and the skip depends
        /// only on the data, never on the machine.
        /// </summary>
        public static void MultiplyAdd(int m, int n, int depth, ReadOnlySpan<double> a, int aRow, int aColumn,
            ReadOnlySpan<double> b, Span<double> c)
        {
            for (var k0 = 0; k0 < depth; k0 += BlockRows)
            {
                var k1 = Math.Min(depth, k0 + BlockRows);
                for (var i = 0; i < m; i++)
                {
                    var row = c.Slice(i * n, n);
                    for (var k = k0; k < k1; k++)
                    {
                        var s = a[i * aRow + k * aColumn];
                        if (s != 0)
                            Axpy(s, b.Slice(k * n, n), row);
                    }
                }
            }
        }

        /// <summary>
        /// y += s x. A multiply then a separate add in both the vector and the scalar loop (no fused multiply-add), so
        /// every element is rounded the same way wherever the vector boundary falls.
        /// </summary>
        private static void Axpy(double s, ReadOnlySpan<double> x, Span<double> y)
        {
            var j = 0;
            if (Vector.IsHardwareAccelerated && x.Length >= Vector<double>.Count)
            {
                var scale = new Vector<double>(s);
                var xs = MemoryMarshal.Cast<double, Vector<double>>(x);
                var ys = MemoryMarshal.Cast<double, Vector<double>>(y[..x.Length]);
                for (var v = 0; v < xs.Length; v++)
                    ys[v] += scale * xs[v];
                j = xs.Length * Vector<double>.Count;
            }
            for (; j < x.Length; j++)
                y[j] += s * x[j];
        }
    }
}
