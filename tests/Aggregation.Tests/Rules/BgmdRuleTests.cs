using FedActors.Aggregation.Kernels;

namespace FedActors.Aggregation.Tests;

public class BgmdRuleTests
{
    private static readonly WeiszfeldOptions Tight = new(Tolerance: 1e-12, MaxIterations: 5000);

    /// <summary>Algorithm 1 with top-k selection, plainly in double: G = gamma X + m, scores, block GM, memory.</summary>
    /// <remarks>With <see cref="BgmdMemory.Huber"/>, the memory is the residual rows' mean weighted by
    /// min(1, r / D_i), D_i the distance of row i to the block's median and r their lower median; with
    /// <see cref="BgmdMemory.None"/> it stays 0.</remarks>
    private sealed class NaiveBgmd(double gamma, int k, BgmdMemory memory = BgmdMemory.Mean)
    {
        private double[]? _memory;

        public double[] Memory => _memory!;

        public (double[] Output, int[] Columns) Step(float[][] rows)
        {
            var n = rows.Length;
            var d = rows[0].Length;
            _memory ??= new double[d];
            var g = rows.Select(row => row.Select((x, j) => gamma * x + _memory[j]).ToArray()).ToArray();
            var scores = Enumerable.Range(0, d).Select(j => g.Sum(row => row[j] * row[j])).ToArray();
            var columns = Enumerable.Range(0, d).OrderByDescending(j => scores[j]).ThenBy(j => j).Take(k).Order().ToArray();
            var block = g.Select(row => columns.Select(j => row[j]).ToArray()).ToArray();
            var median = NaiveRobust.GeometricMedian(block);
            var distances = block.Select(row => NaiveRobust.Distance(row, median)).ToArray();
            var radius = distances.Order().ElementAt((n - 1) / 2);
            var huber = distances.Select(distance => distance <= radius ? 1 : radius / distance).ToArray();
            var coefficients = huber.Select(w => w / huber.Sum()).ToArray();
            var output = new double[d];
            for (var c = 0; c < k; c++)
                output[columns[c]] = median[c];
            for (var j = 0; j < d; j++)
                _memory[j] = columns.Contains(j) || memory == BgmdMemory.None ? 0
                    : memory == BgmdMemory.Huber ? g.Select((row, i) => coefficients[i] * row[j]).Sum() : g.Average(row => row[j]);
            return (output, columns);
        }
    }

    private static float[][] Gradients(int n, int d, int seed)
    {
        // Gradient-like rows: a common direction with coordinates of very different scale, plus noise.
        var random = new Random(seed);
        var scale = Enumerable.Range(0, d).Select(j => Math.Pow(10, -2 * random.NextDouble())).ToArray();
        var common = Enumerable.Range(0, d).Select(j => scale[j] * NaiveRobust.Normal(random)).ToArray();
        return Enumerable.Range(0, n)
            .Select(_ => Enumerable.Range(0, d).Select(j => (float)(common[j] + 0.3 * scale[j] * NaiveRobust.Normal(random))).ToArray())
            .ToArray();
    }

    private static (float[] Output, AggregationReport Report) Run(BgmdRule rule, float[][] rows, int round = 1, int shards = 1, int seed = 0)
    {
        var output = new float[rows[0].Length];
        var context = new AggregationContext(round, rows.Length, Enumerable.Range(0, rows.Length).ToArray(), null, new Random(seed));
        var report = rule.Aggregate(TestData.Matrix(rows), output, context, shards);
        return (output, report);
    }

    [Theory]
    [InlineData(1.0, 0.25, 1)]
    [InlineData(0.05, 0.1, 2)]
    [InlineData(3.0, 0.5, 3)]
    public void Matches_the_plain_algorithm_over_rounds_with_memory(double gamma, double beta, int seed)
    {
        // d = 43: five vectors of eight scores and a scalar tail.
        const int n = 9, d = 43;
        var rule = new BgmdRule(2, gamma, beta, options: Tight);
        var k = rule.BlockSize(d);
        var naive = new NaiveBgmd(gamma, k);
        for (var t = 1; t <= 4; t++)
        {
            var rows = Gradients(n, d, seed * 10 + t);
            var (output, report) = Run(rule, rows, t);
            var (expected, columns) = naive.Step(rows);
            Assert.Equal(columns, rule.LastColumns);
            var scale = expected.Max(Math.Abs);
            for (var j = 0; j < d; j++)
            {
                Assert.Equal(expected[j], output[j], 1e-5 * scale);
                Assert.Equal(naive.Memory[j], rule.Memory[j], 1e-9 * scale);
            }
            Assert.True(report.Converged);
            Assert.Equal(1.0, report.Weights.ToArray().Sum(), 1e-12);
        }
    }

    [Theory]
    [InlineData(BgmdMemory.Huber, 1.0, 0.25, 1)]
    [InlineData(BgmdMemory.Huber, 0.05, 0.1, 2)]
    [InlineData(BgmdMemory.None, 1.0, 0.25, 1)]
    [InlineData(BgmdMemory.None, 0.05, 0.1, 2)]
    public void The_huber_memory_and_no_memory_match_the_plain_algorithm_over_rounds(BgmdMemory memory, double gamma, double beta, int seed)
    {
        // Huber: the residual rows averaged with weights from their distance to the block median; none: the memory
        // stays 0, so every round is the block's median alone and 0 elsewhere.
        const int n = 9, d = 40;
        var rule = new BgmdRule(2, gamma, beta, options: Tight, memory: memory);
        var naive = new NaiveBgmd(gamma, rule.BlockSize(d), memory);
        for (var t = 1; t <= 4; t++)
        {
            var rows = Gradients(n, d, seed * 10 + t);
            var (output, _) = Run(rule, rows, t);
            var (expected, columns) = naive.Step(rows);
            Assert.Equal(columns, rule.LastColumns);
            var scale = expected.Max(Math.Abs);
            for (var j = 0; j < d; j++)
            {
                Assert.Equal(expected[j], output[j], 1e-5 * scale);
                // The rule's median is a float and the pass rounds the weighted sum to float once.
                Assert.Equal(naive.Memory[j], rule.Memory[j], 1e-5 * scale);
            }
        }
    }

    [Fact]
    public void Rows_1e6_away_reach_the_output_a_round_later_through_the_mean_memory_and_never_without_one()
    {
        // The outliers sit 1e6 away on every coordinate, so the block holds their displacement in round 1; off it the
        // mean memory takes f/n of it, and those columns, now of the largest norm, are the block of round 2.
        const int n = 21, f = 10, d = 200;
        var center = NaiveRobust.Center(d, 4);
        var rows = NaiveRobust.WithFarOutliers(NaiveRobust.Gaussian(n, d, seed: 5, sigma: 1, center: center), f, center, 1e6);
        var honestMean = NaiveRobust.Mean(NaiveRobust.ToDouble(rows).Skip(f).ToArray());
        double WorstError(BgmdMemory memory, int rounds)
        {
            var rule = new BgmdRule(f, beta: 0.1, memory: memory);
            var worst = 0.0;
            for (var t = 1; t <= rounds; t++)
            {
                var (output, _) = Run(rule, rows, t);
                worst = Math.Max(worst, rule.LastColumns.Max(j => Math.Abs(output[j] - honestMean[j])));
            }
            return worst;
        }
        Assert.True(WorstError(BgmdMemory.Mean, 1) < 5, $"{WorstError(BgmdMemory.Mean, 1)}");
        Assert.True(WorstError(BgmdMemory.Mean, 2) > 1e4, $"{WorstError(BgmdMemory.Mean, 2)}");
        var error = WorstError(BgmdMemory.None, 5);
        Assert.True(error < 5, $"{error}");
    }

    [Fact]
    public void Rows_1e6_away_enter_the_mean_memory_in_full_and_the_weighted_memory_hardly_at_all()
    {
        const int n = 21, f = 10, d = 200;
        var center = NaiveRobust.Center(d, 4);
        var rows = NaiveRobust.WithFarOutliers(NaiveRobust.Gaussian(n, d, seed: 2, sigma: 1, center: center), f, center, 1e6);
        var honestMean = NaiveRobust.Mean(NaiveRobust.ToDouble(rows).Skip(f).ToArray());
        double MemoryError(bool weighted)
        {
            var rule = new BgmdRule(f, beta: 0.1, memory: weighted ? BgmdMemory.Huber : BgmdMemory.Mean);
            Run(rule, rows);
            return Enumerable.Range(0, d).Where(j => !rule.LastColumns.Contains(j)).Max(j => Math.Abs(rule.Memory[j] - honestMean[j]));
        }
        // The plain mean carries f/n of each outlier's displacement; the weighted one gives an outlier a coefficient
        // of about r / 1e6 (r the honest rows' distance to the median on the block), so its share stays of order r.
        Assert.True(MemoryError(weighted: false) > 1e4, $"{MemoryError(false)}");
        var error = MemoryError(weighted: true);
        Assert.True(error < 5, $"{error}");
    }

    [Fact]
    public void Colluders_sitting_on_the_block_median_get_no_more_than_their_share_of_the_huber_memory()
    {
        // Column 0 (norm^2 7) is the block; the 3 colluders sit on its median, which the 4 honest values surround, so
        // the Weiszfeld coefficients would give them all of the weight. Off the block they send 1, the honest 0.
        float[][] rows = [[0, 1], [0, 1], [0, 1], [-1, 0], [-1, 0], [1, 0], [2, 0]];
        var rule = new BgmdRule(3, beta: 0.5, memory: BgmdMemory.Huber);
        Run(rule, rows);
        Assert.Equal([0], rule.LastColumns);
        // Distances 0, 0, 0, 1, 1, 1, 2: radius 1, weights 1 except 1/2 for the farthest row: 3 / 6.5.
        Assert.Equal(3 / 6.5, rule.Memory[1], 1e-7);
        var plain = new BgmdRule(3, beta: 0.5);
        Run(plain, rows);
        Assert.Equal(3 / 7.0, plain.Memory[1], 1e-7);
    }

    [Fact]
    public void Beta_one_with_step_one_is_the_geometric_median_bit_for_bit()
    {
        var rows = NaiveRobust.Gaussian(11, 30, seed: 3, sigma: 1, center: NaiveRobust.Center(30, 3));
        var (bgmd, a) = Run(new BgmdRule(2, step: 1, beta: 1), rows);
        var gm = NaiveRobust.Run(new GeometricMedianRule(2), rows, out var b);
        Assert.Equal(TestData.Bits(gm), TestData.Bits(bgmd));
        Assert.Equal(b.Weights.ToArray(), a.Weights.ToArray());
        Assert.Equal(b.Objective, a.Objective);
    }

    [Fact]
    public void Output_is_zero_off_the_block_and_the_memory_holds_the_row_mean_there()
    {
        const int n = 7, d = 50;
        var rows = Gradients(n, d, 5);
        var rule = new BgmdRule(1, step: 0.5, beta: 0.2);
        var (output, _) = Run(rule, rows);
        Assert.Equal(10, rule.LastColumns.Count);
        for (var j = 0; j < d; j++)
        {
            if (rule.LastColumns.Contains(j))
            {
                Assert.Equal(0, rule.Memory[j]);
                continue;
            }
            Assert.Equal(0, output[j]);
            Assert.Equal(0.5 * rows.Average(row => (double)row[j]), rule.Memory[j], 1e-12);
        }
        // The block holds the 10 columns of largest squared norm.
        var norms = Enumerable.Range(0, d).Select(j => rows.Sum(row => (double)row[j] * row[j])).ToArray();
        var smallestKept = rule.LastColumns.Min(j => norms[j]);
        Assert.All(Enumerable.Range(0, d).Where(j => !rule.LastColumns.Contains(j)), j => Assert.True(norms[j] <= smallestKept));
    }

    [Fact]
    public void Top_k_breaks_ties_towards_the_lower_column()
    {
        double[] scores = [1, 5, 3, 5, 3, 3, 0, 3];
        Assert.Equal([1, 3], BgmdRule.TopColumns(scores, 2));
        Assert.Equal([1, 2, 3, 4], BgmdRule.TopColumns(scores, 4));
        Assert.Equal([1, 2, 3, 4, 5, 7], BgmdRule.TopColumns(scores, 6));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], BgmdRule.TopColumns(scores, 8));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 7)]
    [InlineData(1000, 3)]
    [InlineData(100_000, 1000)]
    public void Kth_smallest_matches_sorting_on_random_keys_with_heavy_ties(int length, int distinct)
    {
        var random = new Random(length);
        var keys = Enumerable.Range(0, length)
            .Select(_ => distinct == 0 ? random.NextDouble() : random.Next(distinct) - distinct / 2.0).ToArray();
        var sorted = keys.Order().ToArray();
        foreach (var k in new[] { 0, length / 3, length / 2, length - 1 })
            Assert.Equal(sorted[k], KthSmallest((double[])keys.Clone(), k));
    }

    [Fact]
    public void Kth_smallest_orders_signs_zeros_infinities_and_extremes_as_doubles_do()
    {
        double[] keys = [3, -0.0, double.NegativeInfinity, 0.0, -1e-300, double.Epsilon, -double.MaxValue, double.PositiveInfinity,
            -3, 1e300, -double.Epsilon, 2.5, 2.5, -2.5];
        var sorted = keys.Order().ToArray();
        for (var k = 0; k < keys.Length; k++)
        {
            var value = KthSmallest((double[])keys.Clone(), k);
            Assert.True(value == sorted[k], $"rank {k}: {value} against {sorted[k]}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => KthSmallest(new double[3], 3));
        // The count of smaller values, as the top-k scan uses it, and the values left as they were.
        var kept = (double[])keys.Clone();
        RadixSelect.KthSmallest(kept, 12, new double[keys.Length], out var below);
        Assert.Equal(sorted.Count(x => x < sorted[12]), below);
        Assert.Equal(keys, kept);
    }

    /// <summary>The k-th smallest with the values as their own scratch, which overwrites them.</summary>
    private static double KthSmallest(double[] values, int k) => RadixSelect.KthSmallest(values, k, values, out _);

    [Fact]
    public void Top_k_matches_a_stable_sort_of_the_scores_on_random_ties()
    {
        var random = new Random(11);
        var scores = Enumerable.Range(0, 5000).Select(_ => (double)random.Next(40)).ToArray();
        foreach (var k in new[] { 1, 17, 500, 4999, 5000 })
        {
            // OrderBy is stable: equal scores keep ascending column order.
            var expected = Enumerable.Range(0, scores.Length).OrderByDescending(j => scores[j]).Take(k).Order().ToArray();
            Assert.Equal(expected, BgmdRule.TopColumns(scores, k));
        }
    }

    [Fact]
    public void Sampling_follows_the_scores_and_never_takes_a_zero_score_column_while_others_remain()
    {
        double[] scores = [1, 0, 3, 0];
        var counts = new int[4];
        var random = new Random(1);
        for (var trial = 0; trial < 4000; trial++)
            counts[BgmdRule.SampleColumns(scores, 1, random)[0]]++;
        Assert.Equal(0, counts[1] + counts[3]);
        // P(column 2) = 3/4: 3000 expected, standard deviation 27.
        Assert.InRange(counts[2], 2880, 3120);
        Assert.Equal([0, 2], BgmdRule.SampleColumns(scores, 2, new Random(5)));
        Assert.Equal([0, 1, 2], BgmdRule.SampleColumns(scores, 3, new Random(5)));
        Assert.Equal(BgmdRule.SampleColumns([4, 1, 2, 9, 0.5], 2, new Random(7)), BgmdRule.SampleColumns([4, 1, 2, 9, 0.5], 2, new Random(7)));
    }

    [Fact]
    public void Sampled_selection_draws_from_the_contexts_random_stream()
    {
        var rows = Gradients(9, 200, 8);
        var a = new BgmdRule(2, beta: 0.1, sampled: true);
        var b = new BgmdRule(2, beta: 0.1, sampled: true);
        var c = new BgmdRule(2, beta: 0.1, sampled: true);
        Run(a, rows, seed: 1);
        Run(b, rows, seed: 1);
        Run(c, rows, seed: 2);
        Assert.Equal(a.LastColumns, b.LastColumns);
        Assert.NotEqual(a.LastColumns, c.LastColumns);
        Assert.Equal(20, a.LastColumns.Count);
    }

    [Fact]
    public void Saving_after_3_rounds_and_loading_into_a_fresh_rule_gives_the_same_5_rounds_bit_for_bit()
    {
        const int n = 7, d = 60;
        var rounds = Enumerable.Range(1, 5).Select(t => Gradients(n, d, 100 + t)).ToArray();
        foreach (var sampled in new[] { false, true })
        {
            var straight = new BgmdRule(1, step: 0.3, beta: 0.15, sampled);
            var outputs = rounds.Select((rows, t) => Run(straight, rows, t + 1, seed: t)).ToArray();
            var first = new BgmdRule(1, step: 0.3, beta: 0.15, sampled);
            for (var t = 0; t < 3; t++)
                Run(first, rounds[t], t + 1, seed: t);
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                first.SaveState(writer);
            stream.Position = 0;
            var resumed = new BgmdRule(1, step: 0.3, beta: 0.15, sampled);
            using (var reader = new BinaryReader(stream))
                resumed.LoadState(reader);
            for (var t = 3; t < 5; t++)
            {
                var (output, report) = Run(resumed, rounds[t], t + 1, seed: t);
                Assert.Equal(TestData.Bits(outputs[t].Output), TestData.Bits(output));
                Assert.Equal(outputs[t].Report.Weights.ToArray(), report.Weights.ToArray());
            }
            Assert.Equal(straight.Memory.ToArray(), resumed.Memory.ToArray());
        }
    }

    [Fact]
    public void A_saved_memory_is_refused_by_a_rule_without_memory()
    {
        var keeping = new BgmdRule(1, beta: 0.2);
        Run(keeping, Gradients(7, 30, 1));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            keeping.SaveState(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var error = Assert.Throws<InvalidDataException>(() => new BgmdRule(1, beta: 0.2, memory: BgmdMemory.None).LoadState(reader));
        Assert.Contains("memory = none", error.Message);
    }

    [Fact]
    public void Stays_near_the_honest_rows_on_its_block_when_f_rows_move_1e6_away()
    {
        const int n = 21, f = 10, d = 40;
        var center = NaiveRobust.Center(d, 4);
        var rows = NaiveRobust.WithFarOutliers(NaiveRobust.Gaussian(n, d, seed: 2, sigma: 1, center: center), f, center, 1e6);
        var rule = BgmdRule.Create(f, n, NaiveRobust.Parameters(("beta", "0.25")));
        var (output, report) = Run(rule, rows);

        // Lemma 1 of Chen, Su, Xu on the block (step 1, no memory yet): within C_alpha r of the centre's block.
        var columns = rule.LastColumns.ToArray();
        var block = NaiveRobust.ToDouble(rows).Select(row => columns.Select(j => row[j]).ToArray()).ToArray();
        var centreBlock = columns.Select(j => center[j]).ToArray();
        var outputBlock = columns.Select(j => (double)output[j]).ToArray();
        var r = block.Skip(f).Max(row => NaiveRobust.Distance(row, centreBlock));
        const double alpha = 10.0 / 21;
        var optimum = NaiveRobust.Objective(block, NaiveRobust.GeometricMedian(block));
        var gamma = Math.Max(0, report.Objective / optimum - 1);
        var bound = 2 * (1 - alpha) / (1 - 2 * alpha) * r + gamma * optimum / ((1 - 2 * alpha) * n);
        Assert.True(NaiveRobust.Distance(outputBlock, centreBlock) <= bound, $"{NaiveRobust.Distance(outputBlock, centreBlock)} > {bound}");
        Assert.All(report.Weights.ToArray()[..f], w => Assert.True(w < 1e-5));
    }

    [Fact]
    public void Without_outliers_the_block_lies_close_to_the_mean()
    {
        const int n = 40, d = 100;
        var rows = NaiveRobust.Gaussian(n, d, seed: 12, sigma: 1, center: NaiveRobust.Center(d, 12));
        var rule = new BgmdRule(5, beta: 0.3);
        var (output, _) = Run(rule, rows);
        var x = NaiveRobust.ToDouble(rows);
        var mean = NaiveRobust.Mean(x);
        var columns = rule.LastColumns.ToArray();
        var error = Math.Sqrt(columns.Sum(j => (output[j] - mean[j]) * (output[j] - mean[j])));
        // Sampling error of a centre estimate on 30 coordinates from 40 rows: sqrt(30/40) = 0.87; allow 2x.
        Assert.True(error <= 2 * Math.Sqrt(columns.Length / (double)n), $"{error}");
    }

    [Fact]
    public void Is_permutation_invariant_within_rounding()
    {
        var rows = Gradients(13, 80, 21);
        var rule = new BgmdRule(3, beta: 0.2, options: Tight);
        var other = new BgmdRule(3, beta: 0.2, options: Tight);
        var a = Run(rule, rows).Output;
        var b = Run(other, TestData.Permuted(rows, seed: 3)).Output;
        Assert.Equal(rule.LastColumns, other.LastColumns);
        var scale = a.Max(Math.Abs);
        for (var j = 0; j < 80; j++)
            Assert.Equal(a[j], b[j], 1e-5 * scale);
    }

    [Theory]
    [InlineData(BgmdMemory.Mean)]
    [InlineData(BgmdMemory.Huber)]
    [InlineData(BgmdMemory.None)]
    public void One_shard_and_seven_shards_give_the_same_bits(BgmdMemory memory)
    {
        // k = 3500 columns: four blocks of 1024, so the block's own passes are split too (on a machine with 2 cores or more).
        var rounds = Enumerable.Range(0, 3).Select(t => Gradients(8, 35_000, 40 + t)).ToArray();
        var one = new BgmdRule(2, step: 0.7, beta: 0.1, memory: memory);
        var seven = new BgmdRule(2, step: 0.7, beta: 0.1, memory: memory);
        for (var t = 0; t < rounds.Length; t++)
        {
            var a = Run(one, rounds[t], t + 1, shards: 1);
            var b = Run(seven, rounds[t], t + 1, shards: 7);
            Assert.Equal(TestData.Bits(a.Output), TestData.Bits(b.Output));
            Assert.Equal(a.Report.Weights.ToArray(), b.Report.Weights.ToArray());
        }
        Assert.Equal(one.Memory.ToArray(), seven.Memory.ToArray());
    }

    [Fact]
    public void NaN_input_throws_ArgumentException()
    {
        var rows = Gradients(5, 10, 1);
        rows[4][4] = float.NaN;
        Assert.Throws<ArgumentException>(() => Run(new BgmdRule(1), rows));
    }

    [Fact]
    public void A_different_d_than_the_memory_throws()
    {
        var rule = new BgmdRule(1);
        Run(rule, Gradients(5, 10, 1));
        Assert.Throws<ArgumentException>(() => Run(rule, Gradients(5, 11, 1)));
    }

    [Theory]
    [InlineData(5, 10, "", "", "bgmd cannot tolerate f = 5 of n = 10: needs n > 2f")]
    [InlineData(1, 10, "beta", "0", "parameter 'beta'")]
    [InlineData(1, 10, "beta", "1.5", "parameter 'beta'")]
    [InlineData(1, 10, "step", "0", "parameter 'step'")]
    [InlineData(1, 10, "selection", "random", "parameter 'selection'")]
    [InlineData(1, 10, "memory", "median", "parameter 'memory': 'median' is not one of mean, huber, none")]
    [InlineData(1, 10, "smoothing", "2", "parameter 'smoothing'")]
    [InlineData(1, 10, "k", "5", "bgmd has no parameter 'k'")]
    public void Create_rejects_bad_parameters_and_impossible_f(int f, int n, string key, string value, string message)
    {
        var parameters = key == "" ? RuleParameters.Empty : NaiveRobust.Parameters((key, value));
        var error = Assert.Throws<ArgumentException>(() => BgmdRule.Create(f, n, parameters));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Create_reads_its_parameters()
    {
        var rule = BgmdRule.Create(1, 10, NaiveRobust.Parameters(("step", "0.01"), ("beta", "0.5"), ("selection", "sampled"), ("max-iterations", "50"),
            ("memory", "huber")));
        Assert.Equal(BgmdMemory.Huber, rule.MemoryKind);
        Assert.Equal(BgmdMemory.Mean, BgmdRule.Create(1, 10, RuleParameters.Empty).MemoryKind);
        Assert.Equal(BgmdMemory.None, BgmdRule.Create(1, 10, NaiveRobust.Parameters(("memory", "none"))).MemoryKind);
        Assert.Equal(0.01, rule.Step);
        Assert.Equal(0.5, rule.Beta);
        Assert.True(rule.Sampled);
        Assert.Equal(50, rule.Options.MaxIterations);
        Assert.Equal(1, rule.BlockSize(1));
        Assert.Equal(2, rule.BlockSize(3));
        Assert.Equal(3, rule.BlockSize(5));
        Assert.Equal(3, rule.MinimumRows);
    }
}
