using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
/// <para>Determinism: everything is computed in double. Every output of every matrix product takes its terms
/// a(i, k) * b[k, j] in ascending k, a product then a separate add, whether by row updates or in register tiles; the
/// vector instructions only batch independent outputs, so the roundings are the same whatever the vector width, and
/// every parameter's gradient takes the batch's rows in order however the rows are chunked.</para>
/// <para>Dropout is inverted dropout (kept units scaled by 1 / (1 - p)) and applies only in
/// <see cref="LossAndGradient"/>; <see cref="Loss"/> and <see cref="Predict"/> evaluate the full network. The interface
/// passes no random source, so the mask of a hidden unit is a hash of (seed, a fingerprint of the batch's row ids, the
/// sample's position in the batch, the unit): the same call gives the same bits, while different mini-batches, and the
/// same row drawn in different batches, get fresh masks.</para>
/// <para>Weights start He-uniform, U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), biases at zero; or as PyTorch's layers
/// start (<see cref="LeNetInitialization.TorchDefault"/>).</para>
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
    private readonly System.Collections.Concurrent.ConcurrentBag<Workspace> _spare = [];

    public LeNetModel(int conv1Filters, int conv2Filters, int hidden, double dropout = 0, int classes = 10,
        ulong dropoutSeed = 0, LeNetInitialization initialization = LeNetInitialization.HeUniform)
    {
        if (!Enum.IsDefined(initialization))
            throw new ArgumentOutOfRangeException(nameof(initialization), initialization, "not a LeNet initialization");
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
        Initialization = initialization;
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

    public LeNetInitialization Initialization { get; }

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

    /// <summary>
    /// Rows run through the fully connected layers together. fc1's weights (8 MB in double) are read once per chunk
    /// instead of once per row; 64 rows of kept pooled maps (what the backward pass needs) take about 8 MB.
    /// </summary>
    private const int ChunkRows = 64;

    public void Initialize(Span<float> parameters, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        parameters.Clear();
        // Each layer's weights are followed by its biases in the vector, so one slice from the weights to the next
        // layer's weights is the layer's weights and biases; He-uniform draws only the weights, so its draws stay
        // what they were before the PyTorch option existed.
        var torch = Initialization == LeNetInitialization.TorchDefault;
        Layer(parameters, _w1, _b1, _w2, Taps, torch, random);
        Layer(parameters, _w2, _b2, _w3, Conv1Filters * Taps, torch, random);
        Layer(parameters, _w3, _b3, _w4, FlatFeatures, torch, random);
        Layer(parameters, _w4, _b4, ParameterCount, Hidden, torch, random);

        static void Layer(Span<float> parameters, int weights, int biases, int end, int fanIn, bool torch, Random random)
        {
            var limit = torch ? 1 / Math.Sqrt(fanIn) : Math.Sqrt(6.0 / fanIn);
            var drawn = parameters[weights..(torch ? end : biases)];
            for (var k = 0; k < drawn.Length; k++)
                drawn[k] = (float)((2 * random.NextDouble() - 1) * limit);
        }
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        CheckArguments(parameters, data, batch);
        ModelArguments.CheckGradient(this, gradient);
        var w = Rent(parameters);
        var sum = w.Sum;
        Array.Clear(sum);
        var fingerprint = BatchFingerprint(batch);
        var loss = 0.0;
        for (var first = 0; first < batch.Length; first += ChunkRows)
        {
            var rows = batch.Slice(first, Math.Min(ChunkRows, batch.Length - first));
            loss = Forward(w, data, rows, Dropout > 0 ? fingerprint : null, first, loss);
            Backward(w, data, rows, sum);
        }
        var mean = 1.0 / batch.Length;
        for (var k = 0; k < sum.Length; k++)
            gradient[k] = (float)(sum[k] * mean);
        _spare.Add(w);
        return loss * mean;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch)
    {
        CheckArguments(parameters, data, batch);
        var w = Rent(parameters);
        var loss = 0.0;
        for (var first = 0; first < batch.Length; first += ChunkRows)
            loss = Forward(w, data, batch.Slice(first, Math.Min(ChunkRows, batch.Length - first)), null, first, loss);
        _spare.Add(w);
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
    /// One workspace for all the rows: filling it converts the parameters to double and transposes fc1's 8 MB of
    /// weights, which per row made a 10 000-image evaluation take minutes.
    /// </summary>
    public void Predict(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<int> predictions)
    {
        CheckArguments(parameters, data, rows);
        ModelArguments.CheckPredictions(rows, predictions);
        var w = Rent(parameters);
        for (var first = 0; first < rows.Length; first += ChunkRows)
        {
            var count = Math.Min(ChunkRows, rows.Length - first);
            Forward(w, data, rows.Slice(first, count), null, first, 0);
            for (var s = 0; s < count; s++)
            {
                var logits = w.Logits.AsSpan(s * Classes, Classes);
                var best = 0;
                for (var c = 1; c < Classes; c++)
                {
                    if (logits[c] > logits[best])
                        best = c;
                }
                predictions[first + s] = best;
            }
        }
        _spare.Add(w);
    }

    /// <summary>
    /// A workspace holding these parameters (in double, the fully connected weights also transposed). A workspace is
    /// about 40 MB at the paper's size; one allocated per call went to the large-object heap, which then collected every
    /// few calls. The pool keeps one per concurrent caller (the workers of a run share one model instance). A call that
    /// throws does not give its workspace back; a later call builds another.
    /// </summary>
    private Workspace Rent(ReadOnlySpan<float> parameters)
    {
        if (!_spare.TryTake(out var w))
            w = new Workspace(this);
        w.Load(this, parameters);
        return w;
    }

    /// <summary>
    /// Runs a chunk of rows forward, leaving in the workspace what <see cref="Backward"/> needs; returns
    /// <paramref name="loss"/> plus their cross-entropies, added in row order (so chunks do not regroup the sum).
    /// The convolutions go one row at a time; the two fully connected layers take the chunk at once, so fc1's 8 MB of
    /// weights are read once per chunk instead of once per row.
    /// </summary>
    /// <param name="batchFingerprint">Null without dropout.</param>
    /// <param name="firstPosition">The chunk's first position in the whole batch (dropout masks are per position).</param>
    private double Forward(Workspace w, Dataset data, ReadOnlySpan<int> rows, ulong? batchFingerprint, int firstPosition,
        double loss)
    {
        var p = w.Parameters;
        var count = rows.Length;
        var flat = FlatFeatures;
        var pooled1 = Conv1Filters * Pooled1 * Pooled1;
        for (var s = 0; s < count; s++)
        {
            var pool1 = w.Pool1.AsSpan(s * pooled1, pooled1);
            Im2Col(Input(w, data, rows[s]), 1, Side, w.Col1, transposed: false);
            Convolve(p.AsSpan(_w1, _b1 - _w1), p.AsSpan(_b1, Conv1Filters), w.Col1, Conv1Filters, Taps, Side1 * Side1, w.Z1);
            MaxPoolRelu(w.Z1, Conv1Filters, Side1, pool1, w.Arg1.AsSpan(s * pooled1, pooled1));
            Im2Col(pool1, Conv1Filters, Pooled1, w.Col2, transposed: false);
            Convolve(p.AsSpan(_w2, _b2 - _w2), p.AsSpan(_b2, Conv2Filters), w.Col2, Conv2Filters, Conv1Filters * Taps,
                Side2 * Side2, w.Z2);
            MaxPoolRelu(w.Z2, Conv2Filters, Side2, w.Flat.AsSpan(s * flat, flat), w.Arg2.AsSpan(s * flat, flat));
        }

        // fc1 as row vectors times W3^T, so its additions run along contiguous memory like the convolutions'.
        var z3 = w.Z3.AsSpan(0, count * Hidden);
        for (var s = 0; s < count; s++)
            p.AsSpan(_b3, Hidden).CopyTo(z3.Slice(s * Hidden, Hidden));
        Kernels.MultiplyAdd(count, Hidden, flat, w.Flat, flat, 1, w.W3T, z3);
        var scale = 1 / (1 - Dropout);
        for (var s = 0; s < count; s++)
        {
            var key = batchFingerprint is { } fingerprint
                ? Mix(_seed ^ Mix(fingerprint + (ulong)(firstPosition + s)))
                : (ulong?)null;
            for (var h = s * Hidden; h < (s + 1) * Hidden; h++)
            {
                var kept = key is not { } k || Uniform(Mix(k + (ulong)(h - s * Hidden))) >= Dropout;
                w.Mask[h] = kept ? (key is null ? 1 : scale) : 0;
                w.A3[h] = Math.Max(w.Z3[h], 0) * w.Mask[h];
            }
        }

        var logits = w.Logits.AsSpan(0, count * Classes);
        for (var s = 0; s < count; s++)
            p.AsSpan(_b4, Classes).CopyTo(logits.Slice(s * Classes, Classes));
        Kernels.MultiplyAdd(count, Classes, Hidden, w.A3, Hidden, 1, w.W4T, logits);
        for (var s = 0; s < count; s++)
        {
            var z = logits.Slice(s * Classes, Classes);
            var max = double.NegativeInfinity;
            foreach (var value in z)
                max = Math.Max(max, value);
            var total = 0.0;
            foreach (var value in z)
                total += Math.Exp(value - max);
            var logSumExp = max + Math.Log(total);
            for (var c = 0; c < Classes; c++)
                w.Softmax[s * Classes + c] = Math.Exp(z[c] - logSumExp);
            loss += logSumExp - z[data.Label(rows[s])];
        }
        return loss;
    }

    /// <summary>
    /// Adds the chunk's gradient (not yet divided by the batch size) to <paramref name="sum"/>. Every parameter still
    /// receives its rows' terms in row order, so batching the fully connected layers leaves the bits of a per-row pass.
    /// </summary>
    private void Backward(Workspace w, Dataset data, ReadOnlySpan<int> rows, double[] sum)
    {
        var p = w.Parameters;
        var count = rows.Length;
        var flat = FlatFeatures;
        for (var s = 0; s < count; s++)
        {
            var label = data.Label(rows[s]);
            for (var c = 0; c < Classes; c++)
                w.DLogits[s * Classes + c] = w.Softmax[s * Classes + c] - (c == label ? 1.0 : 0.0);
        }

        DenseBackward(count, Classes, Hidden, w.DLogits, w.A3, p.AsSpan(_w4, Classes * Hidden),
            sum.AsSpan(_w4, Classes * Hidden), sum.AsSpan(_b4, Classes), w.DA3);
        for (var h = 0; h < count * Hidden; h++)
            w.DZ3[h] = w.Z3[h] > 0 ? w.DA3[h] * w.Mask[h] : 0;
        DenseBackward(count, Hidden, flat, w.DZ3, w.Flat, p.AsSpan(_w3, Hidden * flat), sum.AsSpan(_w3, Hidden * flat),
            sum.AsSpan(_b3, Hidden), w.DFlat);
        var dFlat = w.DFlat.AsSpan(0, count * flat);

        // The convolutions, one row at a time. Their im2col matrices are rebuilt from the kept pooled maps rather
        // than kept: 64 rows of conv2's would be 51 MB.
        var taps2 = Conv1Filters * Taps;
        var positions2 = Side2 * Side2;
        var positions1 = Side1 * Side1;
        var pooled1 = Conv1Filters * Pooled1 * Pooled1;
        for (var s = 0; s < count; s++)
        {
            // conv2: route through the pool's winners (the ReLU gate is part of the unpooling), then
            // dW2 += dZ2 col2^T, db2 += row sums of dZ2, dCol2 = W2^T dZ2 scattered back by col2im.
            var pool1 = w.Pool1.AsSpan(s * pooled1, pooled1);
            Unpool(dFlat.Slice(s * flat, flat), w.Arg2.AsSpan(s * flat, flat), w.Flat.AsSpan(s * flat, flat), w.DZ2);
            Im2Col(pool1, Conv1Filters, Pooled1, w.Col2, transposed: true);
            Kernels.MultiplyAdd(Conv2Filters, taps2, positions2, w.DZ2, positions2, 1, w.Col2, sum.AsSpan(_w2, Conv2Filters * taps2));
            AddRowSums(w.DZ2, Conv2Filters, positions2, sum.AsSpan(_b2, Conv2Filters));
            PatchGradients(p.AsSpan(_w2, Conv2Filters * taps2), w.DZ2, Conv2Filters, taps2, positions2, w.DCol2);
            Col2Im(w.DCol2, Conv1Filters, Pooled1, w.DPool1);

            // conv1: no input gradient is needed.
            Unpool(w.DPool1, w.Arg1.AsSpan(s * pooled1, pooled1), pool1, w.DZ1);
            Im2Col(Input(w, data, rows[s]), 1, Side, w.Col1, transposed: true);
            Kernels.MultiplyAdd(Conv1Filters, Taps, positions1, w.DZ1, positions1, 1, w.Col1, sum.AsSpan(_w1, Conv1Filters * Taps));
            AddRowSums(w.DZ1, Conv1Filters, positions1, sum.AsSpan(_b1, Conv1Filters));
        }
    }

    /// <summary>
    /// A fully connected layer's backward pass over a chunk of <paramref name="count"/> rows (row-major, one row of
    /// dOut and input per sample): dW += sum over rows of dOut^T input and db += dOut, each parameter taking the rows in
    /// order; dIn = dOut W.
    /// </summary>
    private static void DenseBackward(int count, int outputs, int inputs, ReadOnlySpan<double> dOut,
        ReadOnlySpan<double> input, ReadOnlySpan<double> weights, Span<double> dWeights, Span<double> dBias, Span<double> dIn)
    {
        Kernels.MultiplyAdd(outputs, inputs, count, dOut, 1, outputs, input, dWeights);
        for (var s = 0; s < count; s++)
            AddTo(dOut.Slice(s * outputs, outputs), dBias);
        var chunk = dIn[..(count * inputs)];
        chunk.Clear();
        Kernels.MultiplyAdd(count, inputs, outputs, dOut, outputs, 1, weights, chunk);
    }

    /// <summary>The row's pixels in double, in the workspace's input buffer.</summary>
    private static double[] Input(Workspace w, Dataset data, int row)
    {
        var x = data.Row(row);
        for (var j = 0; j < x.Length; j++)
            w.Input[j] = x[j];
        return w.Input;
    }

    /// <summary>
    /// col[(c, ky, kx), (oy, ox)] = input[c, oy + ky, ox + kx] for a valid 5x5 convolution, or with
    /// <paramref name="transposed"/> the same matrix transposed (the weight gradient needs patches as rows).
    /// </summary>
    private static void Im2Col(ReadOnlySpan<double> input, int channels, int side, Span<double> col, bool transposed)
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
                            var position = oy * outSide + ox;
                            col[transposed ? position * taps + tap : tap * positions + position] = input[source + ox];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// dColT[position, :] = sum over outputs o, ascending, of dZ[o, position] W[o, :]: the gradient of the im2col matrix,
    /// transposed, so that each term is a contiguous row of W. Only the pooling winners that passed the ReLU carry a
    /// gradient (about one in six entries of dZ), and zero terms are skipped. A skipped term is a signed zero added to a
    /// sum that starts at +0, which never changes its bits, so this equals the dense product.
    /// </summary>
    internal static void PatchGradients(ReadOnlySpan<double> weights, ReadOnlySpan<double> dZ, int outputs, int taps,
        int positions, Span<double> dColT)
    {
        dColT.Clear();
        for (var position = 0; position < positions; position++)
        {
            var row = dColT.Slice(position * taps, taps);
            for (var o = 0; o < outputs; o++)
            {
                var d = dZ[o * positions + position];
                if (d != 0)
                    Kernels.Axpy(d, weights.Slice(o * taps, taps), row);
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/> from the transposed matrix: input[c, oy + ky, ox + kx] +=
    /// colT[(oy, ox), (c, ky, kx)], each input element taking its terms in ascending (ky, kx).
    /// </summary>
    private static void Col2Im(ReadOnlySpan<double> colT, int channels, int side, Span<double> input)
    {
        var outSide = side - Kernel + 1;
        var taps = channels * Taps;
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
                            input[target + ox] += colT[(oy * outSide + ox) * taps + tap];
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
        Kernels.MultiplyAddDense(outputs, positions, taps, weights, col, z);
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

    /// <summary>
    /// dz = the pooled gradient placed at each window's winner, zero where that winner was not positive. The pooled
    /// value is max(winner, 0), so it is positive exactly when the winner is: the full map need not be kept.
    /// </summary>
    private static void Unpool(ReadOnlySpan<double> dPooled, ReadOnlySpan<int> arg, ReadOnlySpan<double> pooled, Span<double> dz)
    {
        dz.Clear();
        for (var k = 0; k < dPooled.Length; k++)
        {
            if (pooled[k] > 0)
                dz[arg[k]] = dPooled[k];
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

    /// <summary>The buffers of one call; see <see cref="Rent"/>.</summary>
    private sealed class Workspace
    {
        public Workspace(LeNetModel m)
        {
            Parameters = new double[m.ParameterCount];
            Sum = new double[m.ParameterCount];
            var flat = m.FlatFeatures;
            W3T = new double[m.Hidden * flat];
            W4T = new double[m.Classes * m.Hidden];
            var taps2 = m.Conv1Filters * Taps;
            var pooled1 = m.Conv1Filters * Pooled1 * Pooled1;
            Input = new double[Features];
            Col1 = new double[Taps * Side1 * Side1];
            Z1 = new double[m.Conv1Filters * Side1 * Side1];
            DZ1 = new double[Z1.Length];
            Pool1 = new double[ChunkRows * pooled1];
            DPool1 = new double[pooled1];
            Arg1 = new int[Pool1.Length];
            Col2 = new double[taps2 * Side2 * Side2];
            DCol2 = new double[Col2.Length];
            Z2 = new double[m.Conv2Filters * Side2 * Side2];
            DZ2 = new double[Z2.Length];
            Flat = new double[ChunkRows * flat];
            DFlat = new double[Flat.Length];
            Arg2 = new int[Flat.Length];
            Z3 = new double[ChunkRows * m.Hidden];
            DZ3 = new double[Z3.Length];
            A3 = new double[Z3.Length];
            DA3 = new double[Z3.Length];
            Mask = new double[Z3.Length];
            Logits = new double[ChunkRows * m.Classes];
            Softmax = new double[Logits.Length];
            DLogits = new double[Logits.Length];
        }

        public void Load(LeNetModel m, ReadOnlySpan<float> parameters)
        {
            for (var k = 0; k < parameters.Length; k++)
                Parameters[k] = parameters[k];
            Transpose(Parameters.AsSpan(m._w3, W3T.Length), m.Hidden, m.FlatFeatures, W3T);
            Transpose(Parameters.AsSpan(m._w4, W4T.Length), m.Classes, m.Hidden, W4T);
        }

        /// <summary>The gradient's running sum in double.</summary>
        public double[] Sum { get; }
        public double[] Parameters { get; }
        public double[] W3T { get; }
        public double[] W4T { get; }

        // One row at a time (the convolutions).
        public double[] Input { get; }
        public double[] Col1 { get; }
        public double[] Z1 { get; }
        public double[] DZ1 { get; }
        public double[] DPool1 { get; }
        public double[] Col2 { get; }
        public double[] DCol2 { get; }
        public double[] Z2 { get; }
        public double[] DZ2 { get; }

        // One row of the chunk after another (what the backward pass reads and the fully connected layers' operands).
        public double[] Pool1 { get; }
        public int[] Arg1 { get; }
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

        /// <summary>In 8 x 8 tiles: a row-by-row transpose writes each element of fc1's 8 MB to another cache line.</summary>
        private static void Transpose(ReadOnlySpan<double> matrix, int rows, int columns, Span<double> result)
        {
            const int tile = 8;
            for (var r0 = 0; r0 < rows; r0 += tile)
            {
                for (var c0 = 0; c0 < columns; c0 += tile)
                {
                    for (var c = c0; c < Math.Min(columns, c0 + tile); c++)
                    {
                        for (var r = r0; r < Math.Min(rows, r0 + tile); r++)
                            result[c * rows + r] = matrix[r * columns + c];
                    }
                }
            }
        }
    }

    internal static class Kernels
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

        /// <summary>Output columns per tile: four 8-double vectors.</summary>
        private const int TileColumns = 32;

        /// <summary>
        /// c += a b for row-major a (m x depth), b (depth x n), c (m x n), with every c element receiving its terms in
        /// ascending k, each a product then a separate add, as <see cref="MultiplyAdd"/> does. Tiles of 4 x 32 outputs stay
        /// in registers for the whole depth, so c is read and written once instead of once per k: the convolutions' n
        /// (64 positions for conv2) is too short for row updates to pay for their loads and stores.
        /// Unlike <see cref="MultiplyAdd"/> it does not skip zero coefficients (dense weights have none worth skipping);
        /// a zero term can change only the sign of a zero sum, which the ReLU and the pooling that follow erase.
        /// </summary>
        public static void MultiplyAddDense(int m, int n, int depth, ReadOnlySpan<double> a, ReadOnlySpan<double> b,
            Span<double> c)
        {
            if (!Vector512.IsHardwareAccelerated || n % TileColumns != 0)
            {
                MultiplyAdd(m, n, depth, a, depth, 1, b, c);
                return;
            }
            if (a.Length < m * depth || b.Length < depth * n || c.Length < m * n)
                throw new ArgumentException("An operand is shorter than its shape.");
            ref var a0 = ref MemoryMarshal.GetReference(a);
            ref var b0 = ref MemoryMarshal.GetReference(b);
            ref var c0 = ref MemoryMarshal.GetReference(c);
            var i = 0;
            for (; i + 4 <= m; i += 4)
            {
                for (var j = 0; j < n; j += TileColumns)
                    Tile4(depth, n, ref Unsafe.Add(ref a0, i * depth), ref Unsafe.Add(ref b0, j), ref Unsafe.Add(ref c0, i * n + j));
            }
            for (; i < m; i++)
            {
                for (var j = 0; j < n; j += TileColumns)
                    Tile1(depth, n, ref Unsafe.Add(ref a0, i * depth), ref Unsafe.Add(ref b0, j), ref Unsafe.Add(ref c0, i * n + j));
            }
        }

        private static void Tile4(int depth, int n, ref double a, ref double b, ref double c)
        {
            var stride = (nuint)n;
            var c00 = Vector512.LoadUnsafe(ref c, 0); var c01 = Vector512.LoadUnsafe(ref c, 8);
            var c02 = Vector512.LoadUnsafe(ref c, 16); var c03 = Vector512.LoadUnsafe(ref c, 24);
            var c10 = Vector512.LoadUnsafe(ref c, stride); var c11 = Vector512.LoadUnsafe(ref c, stride + 8);
            var c12 = Vector512.LoadUnsafe(ref c, stride + 16); var c13 = Vector512.LoadUnsafe(ref c, stride + 24);
            var c20 = Vector512.LoadUnsafe(ref c, 2 * stride); var c21 = Vector512.LoadUnsafe(ref c, 2 * stride + 8);
            var c22 = Vector512.LoadUnsafe(ref c, 2 * stride + 16); var c23 = Vector512.LoadUnsafe(ref c, 2 * stride + 24);
            var c30 = Vector512.LoadUnsafe(ref c, 3 * stride); var c31 = Vector512.LoadUnsafe(ref c, 3 * stride + 8);
            var c32 = Vector512.LoadUnsafe(ref c, 3 * stride + 16); var c33 = Vector512.LoadUnsafe(ref c, 3 * stride + 24);
            var aStride = (nuint)depth;
            for (nuint k = 0; k < (nuint)depth; k++)
            {
                var row = k * stride;
                var b0 = Vector512.LoadUnsafe(ref b, row); var b1 = Vector512.LoadUnsafe(ref b, row + 8);
                var b2 = Vector512.LoadUnsafe(ref b, row + 16); var b3 = Vector512.LoadUnsafe(ref b, row + 24);
                var s = Vector512.Create(Unsafe.Add(ref a, k));
                c00 += s * b0; c01 += s * b1; c02 += s * b2; c03 += s * b3;
                s = Vector512.Create(Unsafe.Add(ref a, aStride + k));
                c10 += s * b0; c11 += s * b1; c12 += s * b2; c13 += s * b3;
                s = Vector512.Create(Unsafe.Add(ref a, 2 * aStride + k));
                c20 += s * b0; c21 += s * b1; c22 += s * b2; c23 += s * b3;
                s = Vector512.Create(Unsafe.Add(ref a, 3 * aStride + k));
                c30 += s * b0; c31 += s * b1; c32 += s * b2; c33 += s * b3;
            }
            c00.StoreUnsafe(ref c, 0); c01.StoreUnsafe(ref c, 8); c02.StoreUnsafe(ref c, 16); c03.StoreUnsafe(ref c, 24);
            c10.StoreUnsafe(ref c, stride); c11.StoreUnsafe(ref c, stride + 8);
            c12.StoreUnsafe(ref c, stride + 16); c13.StoreUnsafe(ref c, stride + 24);
            c20.StoreUnsafe(ref c, 2 * stride); c21.StoreUnsafe(ref c, 2 * stride + 8);
            c22.StoreUnsafe(ref c, 2 * stride + 16); c23.StoreUnsafe(ref c, 2 * stride + 24);
            c30.StoreUnsafe(ref c, 3 * stride); c31.StoreUnsafe(ref c, 3 * stride + 8);
            c32.StoreUnsafe(ref c, 3 * stride + 16); c33.StoreUnsafe(ref c, 3 * stride + 24);
        }

        private static void Tile1(int depth, int n, ref double a, ref double b, ref double c)
        {
            var stride = (nuint)n;
            var c0 = Vector512.LoadUnsafe(ref c, 0); var c1 = Vector512.LoadUnsafe(ref c, 8);
            var c2 = Vector512.LoadUnsafe(ref c, 16); var c3 = Vector512.LoadUnsafe(ref c, 24);
            for (nuint k = 0; k < (nuint)depth; k++)
            {
                var row = k * stride;
                var s = Vector512.Create(Unsafe.Add(ref a, k));
                c0 += s * Vector512.LoadUnsafe(ref b, row); c1 += s * Vector512.LoadUnsafe(ref b, row + 8);
                c2 += s * Vector512.LoadUnsafe(ref b, row + 16); c3 += s * Vector512.LoadUnsafe(ref b, row + 24);
            }
            c0.StoreUnsafe(ref c, 0); c1.StoreUnsafe(ref c, 8); c2.StoreUnsafe(ref c, 16); c3.StoreUnsafe(ref c, 24);
        }

        /// <summary>
        /// y += s x. A multiply then a separate add in both the vector and the scalar loop (no fused multiply-add), so
        /// every element is rounded the same way wherever the vector boundary falls.
        /// </summary>
        public static void Axpy(double s, ReadOnlySpan<double> x, Span<double> y)
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
