using Xunit;

namespace FedActors.Learning.Tests;

public class LeNetModelTests
{
    private static Dataset RandomImages(int count, int classes, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var features = new float[count * 784];
        for (var k = 0; k < features.Length; k++)
            features[k] = random.NextSingle();
        var labels = new float[count];
        for (var i = 0; i < count; i++)
            labels[i] = random.Next(classes);
        return new Dataset(count, 784, features, labels, classes);
    }

    private static double[] RandomDoubles(int length, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var values = new double[length];
        for (var k = 0; k < length; k++)
            values[k] = 2 * random.NextDouble() - 1;
        return values;
    }

    private static float[] Shifted(LeNetModel model, ulong seed)
    {
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, new DeterministicRandom(seed));
        // Biases away from zero, so few pre-activations or pooling ties sit within a step of a kink.
        var shift = GradientCheck.RandomVector(model.ParameterCount, 0.1, seed + 1);
        for (var k = 0; k < parameters.Length; k++)
            parameters[k] += shift[k];
        return parameters;
    }

    [Fact]
    public void Paper_parameter_count_matches_the_hand_formula()
    {
        // Valid convolutions: 28 -> 24 -> pool 12 -> 8 -> pool 4, so fc1 sees 64 * 4 * 4 inputs.
        var conv1 = 64 * 1 * 5 * 5 + 64;
        var conv2 = 64 * 64 * 5 * 5 + 64;
        var fc1 = 1024 * 64 * 4 * 4 + 1024;
        var fc2 = 10 * 1024 + 10;
        Assert.Equal(conv1 + conv2 + fc1 + fc2, LeNetModel.Paper().ParameterCount);
        Assert.Equal(1_163_978, LeNetModel.Paper().ParameterCount);
        Assert.Equal(2 * 25 + 2 + 3 * 50 + 3 + 8 * 48 + 8 + 10 * 8 + 10, new LeNetModel(2, 3, 8).ParameterCount);
    }

    [Theory]
    [InlineData(LeNetInitialization.HeUniform)]
    [InlineData(LeNetInitialization.TorchDefault)]
    public void Initialization_draws_each_layer_in_order_at_its_fan_in_scale(LeNetInitialization initialization)
    {
        // Layers (fan-in, weights, biases) of LeNet(2, 3, 8): conv1 (25, 50, 2), conv2 (50, 150, 3), fc1 (48, 384, 8),
        // fc2 (8, 80, 10). He-uniform draws the weights at sqrt(6 / fan_in) and leaves biases 0; PyTorch's default
        // draws the weights and then the biases at 1 / sqrt(fan_in).
        var model = new LeNetModel(2, 3, 8, initialization: initialization);
        var parameters = new float[model.ParameterCount];
        parameters.AsSpan().Fill(float.NaN);
        model.Initialize(parameters, new DeterministicRandom(17));

        var torch = initialization == LeNetInitialization.TorchDefault;
        var expected = new List<float>();
        var random = new DeterministicRandom(17);
        foreach (var (fanIn, weights, biases) in new[] { (25, 50, 2), (50, 150, 3), (48, 384, 8), (8, 80, 10) })
        {
            var limit = torch ? 1 / Math.Sqrt(fanIn) : Math.Sqrt(6.0 / fanIn);
            for (var k = 0; k < weights; k++)
                expected.Add((float)((2 * random.NextDouble() - 1) * limit));
            for (var k = 0; k < biases; k++)
                expected.Add(torch ? (float)((2 * random.NextDouble() - 1) * limit) : 0f);
        }
        Assert.Equal(expected, parameters);
    }

    [Theory]
    // Two and three filters run the convolutions' single-row tiles only.
    [InlineData(2, 3, 41ul, 1e-3)]
    // Five conv1 filters: one tile of four output rows plus a single row; six conv2 filters likewise. The step is
    // smaller: with these parameters a 1e-3 step of conv1's first weight crosses a ReLU or pooling kink (the old
    // per-row kernels gave the same bits and failed the same way).
    [InlineData(5, 6, 43ul, 1e-4)]
    public void Gradient_of_every_layer_matches_central_finite_differences(int conv1, int conv2, ulong seed, double step)
    {
        var data = RandomImages(3, 3, seed);
        var model = new LeNetModel(conv1, conv2, 8, classes: 3);
        var parameters = Shifted(model, seed + 1);
        GradientCheck.AssertMatchesFiniteDifferences(model, parameters, data, [0, 1, 2], tolerance: 2e-3, step: step);
    }

    [Fact]
    public void With_dropout_the_gradient_matches_finite_differences_of_the_training_loss()
    {
        // The mask depends on the seed and the batch only, so every perturbed call trains the same masked network:
        // kept units carry their 1 / (1 - p) scale through both passes, dropped ones nothing.
        var data = RandomImages(3, 3, seed: 45);
        var plain = new LeNetModel(2, 3, 8, classes: 3);
        var model = new LeNetModel(2, 3, 8, classes: 3, dropout: 0.5, dropoutSeed: 5);
        var parameters = Shifted(model, 46);
        var gradient = new float[model.ParameterCount];
        var trained = model.LossAndGradient(parameters, data, [0, 1, 2], gradient);
        Assert.NotEqual(plain.LossAndGradient(parameters, data, [0, 1, 2], new float[model.ParameterCount]), trained);

        // A step of 1e-3 or more moves conv1's first weight across a ReLU or pooling kink with these parameters.
        GradientCheck.AssertMatchesFiniteDifferences(model, parameters, data, [0, 1, 2], tolerance: 2e-3, step: 1e-4,
            trainingLoss: true);
    }

    [Fact]
    public void A_batch_longer_than_a_chunk_is_the_row_weighted_mean_of_its_parts()
    {
        // Rows go through the fully connected layers 64 at a time; 70 rows make a second, partial chunk.
        var data = RandomImages(70, 10, seed: 45);
        var model = new LeNetModel(4, 4, 12);
        var parameters = Shifted(model, 46);
        var all = Enumerable.Range(0, 70).ToArray();
        var whole = new float[model.ParameterCount];
        var head = new float[model.ParameterCount];
        var tail = new float[model.ParameterCount];
        var wholeLoss = model.LossAndGradient(parameters, data, all, whole);
        var headLoss = model.LossAndGradient(parameters, data, all[..64], head);
        var tailLoss = model.LossAndGradient(parameters, data, all[64..], tail);

        Assert.Equal((64 * headLoss + 6 * tailLoss) / 70, wholeLoss, 12);
        Assert.Equal(wholeLoss, model.Loss(parameters, data, all), 12);
        var scale = whole.Max(Math.Abs);
        for (var k = 0; k < whole.Length; k++)
            Assert.True(Math.Abs((64.0 * head[k] + 6.0 * tail[k]) / 70 - whole[k]) <= 1e-5 * scale, $"parameter {k}");
        var predictions = new int[70];
        ((IClassifier)model).Predict(parameters, data, all, predictions);
        Assert.Equal(all.Select(row => model.Predict(parameters, data, row)), predictions);
    }

    [Theory]
    [InlineData(4, 64, 30)]
    [InlineData(7, 96, 25)]
    [InlineData(3, 20, 9)]
    public void The_tiled_product_has_the_bits_of_ascending_multiply_then_add(int m, int n, int depth)
    {
        // The convolutions' claim of determinism: every output takes its terms in ascending k, a product then an add,
        // whether it runs in register tiles (n a multiple of 32) or row updates (here n = 20).
        var a = RandomDoubles(m * depth, 47);
        var b = RandomDoubles(depth * n, 48);
        var c = RandomDoubles(m * n, 49);
        var expected = (double[])c.Clone();
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = expected[i * n + j];
                for (var k = 0; k < depth; k++)
                {
                    var product = a[i * depth + k] * b[k * n + j];
                    sum += product;
                }
                expected[i * n + j] = sum;
            }
        }
        LeNetModel.Kernels.MultiplyAddDense(m, n, depth, a, b, c);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void Patch_gradients_skip_zeros_without_changing_a_bit_of_the_dense_product()
    {
        const int outputs = 6, taps = 50, positions = 16;
        var weights = RandomDoubles(outputs * taps, 50);
        weights[7] = 0;
        var dZ = RandomDoubles(outputs * positions, 51);
        for (var k = 0; k < dZ.Length; k++)
        {
            if (k % 3 != 0)
                dZ[k] = k % 2 == 0 ? 0.0 : -0.0;
        }
        var expected = new double[positions * taps];
        for (var p = 0; p < positions; p++)
        {
            for (var t = 0; t < taps; t++)
            {
                var sum = 0.0;
                for (var o = 0; o < outputs; o++)
                {
                    var product = weights[o * taps + t] * dZ[o * positions + p];
                    sum += product;
                }
                expected[p * taps + t] = sum;
            }
        }
        var actual = new double[positions * taps];
        actual.AsSpan().Fill(double.NaN);
        LeNetModel.PatchGradients(weights, dZ, outputs, taps, positions, actual);
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void The_same_call_with_dropout_repeats_bit_for_bit()
    {
        var data = RandomImages(4, 10, seed: 51);
        var model = new LeNetModel(3, 4, 6, dropout: 0.5, dropoutSeed: 7);
        var parameters = Shifted(model, 52);
        var first = new float[model.ParameterCount];
        var second = new float[model.ParameterCount];
        var lossFirst = model.LossAndGradient(parameters, data, [0, 1, 2, 3], first);
        var lossSecond = model.LossAndGradient(parameters, data, [0, 1, 2, 3], second);
        Assert.Equal(lossFirst, lossSecond);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Dropout_changes_the_training_loss_deterministically_and_leaves_evaluation_alone()
    {
        var data = RandomImages(8, 10, seed: 61);
        var plain = new LeNetModel(2, 3, 16);
        var dropped = new LeNetModel(2, 3, 16, dropout: 0.5, dropoutSeed: 3);
        var parameters = Shifted(plain, 62);
        int[] batch = [0, 1, 2, 3, 4, 5, 6, 7];
        var gradient = new float[plain.ParameterCount];

        var withoutDropout = plain.LossAndGradient(parameters, data, batch, gradient);
        var once = dropped.LossAndGradient(parameters, data, batch, gradient);
        var twice = dropped.LossAndGradient(parameters, data, batch, gradient);
        var otherBatch = dropped.LossAndGradient(parameters, data, [7, 6, 5, 4, 3, 2, 1, 0], gradient);
        var otherSeed = new LeNetModel(2, 3, 16, dropout: 0.5, dropoutSeed: 4).LossAndGradient(parameters, data, batch, gradient);

        Assert.True(Math.Abs(once - withoutDropout) > 1e-3, $"{once} vs {withoutDropout}");
        Assert.Equal(once, twice);
        Assert.NotEqual(once, otherSeed);
        Assert.NotEqual(once, otherBatch);
        // Loss is the evaluation loss: the full network, whatever the dropout rate.
        Assert.Equal(withoutDropout, plain.Loss(parameters, data, batch), 12);
        Assert.Equal(withoutDropout, dropped.Loss(parameters, data, batch), 12);
    }

    [Fact]
    public void With_dropout_the_gradient_is_that_of_the_masked_network()
    {
        // H = 1: the single hidden unit is either dropped (the loss cannot depend on fc1 or the convolutions) or kept
        // and scaled by 2. Find a row of each kind by the loss against a dropout-free twin.
        var data = RandomImages(40, 10, seed: 71);
        var plain = new LeNetModel(2, 2, 1);
        var dropped = new LeNetModel(2, 2, 1, dropout: 0.5, dropoutSeed: 11);
        var parameters = Shifted(plain, 72);
        var gradient = new float[plain.ParameterCount];
        var fc1Start = 2 * 25 + 2 + 2 * 50 + 2;
        var sawDropped = false;
        for (var row = 0; row < data.Count; row++)
        {
            dropped.LossAndGradient(parameters, data, [row], gradient);
            var upstream = gradient.AsSpan(0, fc1Start + 32 + 1).ToArray();
            if (upstream.All(g => g == 0))
            {
                sawDropped = true;
                // Only the fc2 bias gets a gradient: softmax(b4) - e_y.
                Assert.All(gradient.AsSpan(fc1Start + 33, 10).ToArray(), g => Assert.Equal(0f, g));
            }
        }
        Assert.True(sawDropped);
    }

    [Fact]
    public void Predict_picks_the_largest_logit()
    {
        // Zero weights everywhere: the logits are the fc2 biases.
        var data = RandomImages(2, 10, seed: 81);
        var model = new LeNetModel(2, 3, 8);
        var parameters = new float[model.ParameterCount];
        var b4 = model.ParameterCount - 10;
        float[] biases = [0.1f, -2f, 0.3f, 1.5f, 0.2f, 1.4f, -1f, 0f, 1.49f, 0.7f];
        biases.CopyTo(parameters, b4);
        Assert.Equal(3, model.Predict(parameters, data, 0));
        Assert.Equal(3, model.Predict(parameters, data, 1));
        // Softmax cross-entropy of row 0 against its label, by hand.
        var label = data.Label(0);
        var logSumExp = Math.Log(biases.Sum(b => Math.Exp(b)));
        Assert.Equal(logSumExp - biases[label], model.Loss(parameters, data, [0]), 6);
    }

    [Fact]
    public void Predicting_many_rows_at_once_gives_each_rows_own_prediction_and_accuracy_counts_them()
    {
        // Images of very different brightness (0.01 to 46 times uniform noise), and a network that measures it: conv1 and
        // conv2 filter 0 average their patch, fc1 unit 0 reads the first pooled value x (about 0.6 times the brightness),
        // and logit c = c x - [0, 0.1, 1.1, 11.1][c], so the class grows with it: 0 below x = 0.1, 1 to 1, 2 to 10, then 3.
        const int c1 = 3, c2 = 4, hidden = 16, classes = 4;
        var noise = RandomImages(12, classes, seed: 82);
        var features = new float[12 * 784];
        for (var i = 0; i < 12; i++)
        {
            for (var p = 0; p < 784; p++)
                features[i * 784 + p] = noise.Row(i)[p] * (float)Math.Pow(10, i / 3.0 - 2);
        }
        var data = new Dataset(12, 784, features, Enumerable.Range(0, 12).Select(i => (float)noise.Label(i)).ToArray(), classes);
        var model = new LeNetModel(c1, c2, hidden, dropout: 0.5, classes: classes, dropoutSeed: 9);
        var parameters = new float[model.ParameterCount];
        int w2 = c1 * 25 + c1, w3 = w2 + c2 * c1 * 25 + c2, w4 = w3 + hidden * c2 * 16 + hidden, b4 = w4 + classes * hidden;
        Assert.Equal(model.ParameterCount, b4 + classes);
        for (var tap = 0; tap < 25; tap++)
        {
            parameters[tap] = 1 / 25f;
            parameters[w2 + tap] = 1 / 25f;
        }
        parameters[w3] = 1;
        float[] offsets = [0, -0.1f, -1.1f, -11.1f];
        for (var c = 0; c < classes; c++)
        {
            parameters[w4 + c * hidden] = c;
            parameters[b4 + c] = offsets[c];
        }

        int[] rows = [8, 0, 11, 3, 3, 5, 9, 1];
        var predictions = new int[rows.Length];
        ((IClassifier)model).Predict(parameters, data, rows, predictions);
        Assert.Equal(rows.Select(row => model.Predict(parameters, data, row)).ToArray(), predictions);
        // Brightness 4.6, 0.01, 46, 0.1, 0.1, 0.46, 10, 0.02: x about 2.8, 0.006, 28, 0.06, 0.06, 0.28, 6, 0.013.
        Assert.Equal([2, 0, 3, 0, 0, 1, 2, 0], predictions);
        var expected = Enumerable.Range(0, data.Count).Count(row => model.Predict(parameters, data, row) == data.Label(row));
        Assert.Equal(expected / 12.0, Evaluation.Accuracy(model, parameters, data));
        Assert.Throws<ArgumentException>(() => ((IClassifier)model).Predict(parameters, data, rows, new int[3]));
    }

    [Fact]
    public void Training_separates_bright_left_from_bright_right_halves()
    {
        var random = new DeterministicRandom(91);
        var count = 300;
        var features = new float[count * 784];
        var labels = new float[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % 2;
            labels[i] = label;
            for (var y = 0; y < 28; y++)
            {
                for (var x = 0; x < 28; x++)
                {
                    var bright = (x < 14) == (label == 0);
                    features[i * 784 + y * 28 + x] = (float)((bright ? 0.6 : 0.0) + 0.4 * random.NextDouble());
                }
            }
        }
        var data = new Dataset(count, 784, features, labels, 2);
        var model = new LeNetModel(2, 3, 8, dropout: 0.25, classes: 2, dropoutSeed: 5);
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, new DeterministicRandom(92));
        var optimizer = new SgdOptimizer(model.ParameterCount, 0.05, 0, 0);
        var sampler = new MiniBatchSampler(Enumerable.Range(0, count).ToArray(), 16);
        var gradient = new float[model.ParameterCount];
        var batchRandom = new DeterministicRandom(93);
        for (var step = 0; step < 30; step++)
        {
            model.LossAndGradient(parameters, data, sampler.Next(batchRandom), gradient);
            optimizer.Step(parameters, gradient);
        }
        var accuracy = Evaluation.Accuracy(model, parameters, data);
        Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
    }
}
