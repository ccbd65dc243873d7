namespace FedActors.Aggregation.Tests;

public class ByzantineSgdRuleTests
{
    /// <summary>One round's input: the model, which workers reported, and their gradients (in id order).</summary>
    private sealed record Round(float[] Model, int[] Ids, float[][] Rows);

    /// <summary>
    /// Algorithm 1 of the paper written plainly in double: A and B per worker, medians, majority points (first index in
    /// order, else the most neighbours), the three tests (2 T_B for B), permanent removal, sum over good / m.
    /// </summary>
    private sealed class NaiveByzantineSgd(int m, double v, double d, int horizon, double delta)
    {
        private readonly double[] _a = new double[m];
        private readonly double[][] _b = Enumerable.Range(0, m).Select(_ => Array.Empty<double>()).ToArray();
        private double[]? _start;

        public bool[] Good { get; } = Enumerable.Repeat(true, m).ToArray();

        public double[] Step(Round round)
        {
            var dim = round.Model.Length;
            _start ??= round.Model.Select(x => (double)x).ToArray();
            for (var id = 0; id < m; id++)
                if (_b[id].Length == 0)
                    _b[id] = new double[dim];
            var g = NaiveRobust.ToDouble(round.Rows);
            var gMed = g[Majority(g, 2 * v)];
            for (var id = 0; id < m; id++)
            {
                // A missing worker is credited with g_med.
                var r = Array.IndexOf(round.Ids, id);
                var gi = r >= 0 ? g[r] : gMed;
                _a[id] += Enumerable.Range(0, dim).Sum(j => gi[j] * (double)(float)(round.Model[j] - (float)_start[j]));
                for (var j = 0; j < dim; j++)
                    _b[id][j] += gi[j];
            }
            var log = Math.Log(16.0 * m * horizon / delta);
            var tb = 4 * v * Math.Sqrt(horizon * log);
            var ta = d * tb;
            var sorted = _a.Order().ToArray();
            var medianA = (sorted[(m - 1) / 2] + sorted[m / 2]) / 2;
            var bMed = _b[Majority(_b, tb)];
            for (var id = 0; id < m; id++)
                if (Math.Abs(_a[id] - medianA) > ta || NaiveRobust.Distance(_b[id], bMed) > 2 * tb)
                    Good[id] = false;
            for (var r = 0; r < g.Length; r++)
                if (NaiveRobust.Distance(g[r], gMed) > 4 * v)
                    Good[round.Ids[r]] = false;
            var output = new double[dim];
            for (var r = 0; r < g.Length; r++)
                if (Good[round.Ids[r]])
                    for (var j = 0; j < dim; j++)
                        output[j] += g[r][j] / m;
            return output;
        }

        private static int Majority(double[][] points, double radius)
        {
            var counts = points.Select(p => points.Count(q => NaiveRobust.Distance(p, q) <= radius)).ToArray();
            for (var i = 0; i < points.Length; i++)
                if (2 * counts[i] > points.Length)
                    return i;
            return Array.IndexOf(counts, counts.Max());
        }
    }

    /// <summary>
    /// Rounds of a quadratic f(x) = ||x - x*||^2 / 2 walked by plain SGD-like steps: honest gradients x_t - x* + noise
    /// (Gaussian, sigma per coordinate); <paramref name="byzantine"/> maps a worker id to its report given the honest
    /// gradient and the round; <paramref name="missing"/> says which workers miss which round.
    /// </summary>
    private static List<Round> Scenario(int m, int d, int rounds, int seed, double sigma,
        Func<int, int, float[], float[]?>? byzantine = null, Func<int, int, bool>? missing = null)
    {
        var random = new Random(seed);
        var optimum = NaiveRobust.Center(d, seed + 1);
        var x = new float[d];
        var result = new List<Round>();
        for (var t = 1; t <= rounds; t++)
        {
            var ids = Enumerable.Range(0, m).Where(id => missing is null || !missing(id, t)).ToArray();
            var rows = new List<float[]>();
            foreach (var id in ids)
            {
                var honest = Enumerable.Range(0, d).Select(j => (float)(x[j] - optimum[j] + sigma * NaiveRobust.Normal(random))).ToArray();
                rows.Add(byzantine?.Invoke(id, t, honest) ?? honest);
            }
            result.Add(new Round((float[])x.Clone(), ids, rows.ToArray()));
            // Move the model a little towards the optimum so that x_t - x_1 grows.
            for (var j = 0; j < d; j++)
                x[j] += (float)(0.05 * (optimum[j] - x[j]));
        }
        return result;
    }

    private static (float[] Output, AggregationReport Report) Run(ByzantineSgdRule rule, Round round, int m, int number, int shards = 1)
    {
        var context = new AggregationContext(number, m, round.Ids, round.Model, new Random(0));
        var output = new float[round.Model.Length];
        var report = rule.Aggregate(TestData.Matrix(round.Rows), output, context, shards);
        return (output, report);
    }

    private static float[] Shifted(float[] honest, double amount, int axis)
    {
        var row = (float[])honest.Clone();
        row[axis] += (float)amount;
        return row;
    }

    [Fact]
    public void Matches_the_plain_algorithm_round_by_round_and_ejects_a_slowly_biased_worker_through_B()
    {
        const int m = 9, d = 40, rounds = 40;
        const double sigma = 0.1;
        var v = 1.5 * sigma * Math.Sqrt(d);
        // Worker 3 adds 1.5 V along axis 0 every round: within 4V of the honest rows each round, but B_3 drifts by
        // 1.5 V t, past 2 T_B = 8 V sqrt(T ln(16 m T / delta)) = 19.7 V (T = 1, delta = 0.5) after 14 rounds.
        // Worker 7 sends 1e6 and fails the g test at once.
        var scenario = Scenario(m, d, rounds, seed: 1, sigma,
            (id, _, honest) => id == 3 ? Shifted(honest, 1.5 * v, 0) : id == 7 ? Enumerable.Repeat(1e6f, d).ToArray() : null,
            missing: (id, t) => id == 5 && t % 4 == 0);
        var rule = new ByzantineSgdRule(2, v, d: 10, horizon: 1, delta: 0.5);
        var naive = new NaiveByzantineSgd(m, v, 10, 1, 0.5);
        var ejectedAt = -1;
        for (var t = 0; t < rounds; t++)
        {
            var (output, report) = Run(rule, scenario[t], m, t + 1);
            var expected = naive.Step(scenario[t]);
            for (var id = 0; id < m; id++)
                Assert.Equal(naive.Good[id], rule.IsGood(id));
            for (var j = 0; j < d; j++)
                Assert.Equal(expected[j], output[j], 1e-5 * (1 + Math.Abs(expected[j])));
            if (ejectedAt < 0 && !rule.IsGood(3))
                ejectedAt = t + 1;
            var weights = report.Weights.ToArray();
            for (var r = 0; r < scenario[t].Ids.Length; r++)
                Assert.Equal(rule.IsGood(scenario[t].Ids[r]) ? 1.0 / m : 0, weights[r]);
        }
        Assert.False(rule.IsGood(7));
        Assert.InRange(ejectedAt, 12, 16);
        Assert.All(new[] { 0, 1, 2, 4, 5, 6, 8 }, id => Assert.True(rule.IsGood(id)));
    }

    [Fact]
    public void The_A_test_alone_ejects_a_worker_whose_noise_correlates_with_the_path()
    {
        // d = 2, all honest gradients equal; the model alternates x_1, x_1 + e. Worker 0 adds +c e when the model is at
        // x_1 + e and -c e at x_1: B_0 never drifts by more than c, its gradient is within c = 3V of the others, but
        // A_0 grows by c every two rounds, past T_A = 4 D V sqrt(T ln(16 m T / delta)) = 9.6 V (D = 1, T = 1,
        // delta = 0.5, m = 5) after 4 cycles.
        const int m = 5;
        const double v = 1, c = 3;
        var rule = new ByzantineSgdRule(1, v, d: 1, horizon: 1, delta: 0.5);
        var ejectedAt = -1;
        for (var t = 1; t <= 20; t++)
        {
            var away = t % 2 == 0;
            float[] model = away ? [1f, 0f] : [0f, 0f];
            var rows = Enumerable.Range(0, m).Select(id => id == 0 ? new[] { 0.5f + (float)(away ? c : -c), 0.25f } : new[] { 0.5f, 0.25f }).ToArray();
            var round = new Round(model, Enumerable.Range(0, m).ToArray(), rows);
            Run(rule, round, m, t);
            if (ejectedAt < 0 && !rule.IsGood(0))
                ejectedAt = t;
        }
        // A_0 - A_med after round 2k is k c (the -c rounds are at x_1, contributing 0): 4 c = 12 > 9.6 at t = 8.
        Assert.Equal(8, ejectedAt);
        Assert.All(Enumerable.Range(1, m - 1), id => Assert.True(rule.IsGood(id)));
    }

    [Fact]
    public void Far_rows_are_ejected_in_the_first_round_and_the_sum_is_divided_by_m()
    {
        const int m = 10, f = 4, d = 20;
        var scenario = Scenario(m, d, 1, seed: 3, sigma: 0.1, (id, _, honest) => id < f ? Enumerable.Repeat(-1e6f, d).ToArray() : null);
        var (output, report) = Run(ByzantineSgdRule.Create(f, m, RuleParameters.Empty), scenario[0], m, 1);
        var honest = NaiveRobust.ToDouble(scenario[0].Rows[f..]);
        for (var j = 0; j < d; j++)
        {
            var expected = honest.Sum(row => row[j]) / m;
            Assert.Equal(expected, output[j], 1e-5);
        }
        Assert.Equal(f, report.RowsDropped);
        Assert.Equal((m - f) / (double)m, report.Weights.ToArray().Sum(), 1e-12);
    }

    [Fact]
    public void Without_outliers_every_worker_stays_and_the_output_is_the_mean()
    {
        const int m = 12, d = 60;
        var scenario = Scenario(m, d, 15, seed: 4, sigma: 0.2);
        var rule = ByzantineSgdRule.Create(3, m, RuleParameters.Empty);
        for (var t = 0; t < scenario.Count; t++)
        {
            var (output, report) = Run(rule, scenario[t], m, t + 1);
            Assert.Equal(0, report.RowsDropped);
            var mean = NaiveAggregation.Mean(scenario[t].Rows, d);
            for (var j = 0; j < d; j++)
                Assert.Equal(mean[j], output[j], 1e-5);
        }
        Assert.True(rule.V > 0);
        Assert.True(rule.D > 0);
    }

    [Fact]
    public void Auto_V_is_the_first_rounds_median_of_median_pairwise_distances_and_auto_D_the_largest_distance_from_x1()
    {
        const int m = 7, d = 5;
        var scenario = Scenario(m, d, 3, seed: 5, sigma: 1);
        var rule = new ByzantineSgdRule(1);
        Run(rule, scenario[0], m, 1);
        var g = NaiveRobust.ToDouble(scenario[0].Rows);
        var perRow = g.Select((row, i) =>
        {
            var distances = g.Where((_, k) => k != i).Select(other => NaiveRobust.Distance(row, other)).Order().ToArray();
            return (distances[(m - 2) / 2] + distances[(m - 1) / 2]) / 2;
        }).Order().ToArray();
        Assert.Equal(perRow[m / 2], rule.V, 1e-9 * perRow[m / 2]);
        Assert.Equal(0, rule.D);
        Run(rule, scenario[1], m, 2);
        Run(rule, scenario[2], m, 3);
        var start = scenario[0].Model.Select(x => (double)x).ToArray();
        Assert.Equal(NaiveRobust.Distance(scenario[2].Model, start), rule.D, 1e-6);
    }

    [Fact]
    public void Missing_workers_keep_their_accumulators_and_are_credited_the_rounds_g_med()
    {
        const int m = 4;
        // V = 100: every row is within 2V of every other, so g_med is the first present row.
        var rule = new ByzantineSgdRule(1, v: 100, d: 100);
        float[][] all = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]];
        Run(rule, new Round([0, 0, 0], [0, 1, 2, 3], all), m, 1);
        // x_2 - x_1 = (1, 0, 0); g_med = (1, 0, 0) for the missing worker 1.
        Run(rule, new Round([1, 0, 0], [0, 2, 3], [all[0], all[2], all[3]]), m, 2);
        // x_3 - x_1 = (1, 1, 0); g_med = (0, 1, 0) for the missing workers 0 and 3.
        Run(rule, new Round([1, 1, 0], [1, 2], [all[1], all[2]]), m, 3);
        Assert.Equal(2, rule.AccumulatorA(0));
        Assert.Equal(2, rule.AccumulatorA(1));
        Assert.Equal(0, rule.AccumulatorA(2));
        Assert.Equal(2, rule.AccumulatorA(3));
    }

    [Fact]
    public void No_majority_falls_back_to_the_index_with_the_most_neighbours()
    {
        // Points on a line at 0, 1, 2, 10, 11, 30; radius 1.5: counts 2, 3, 2, 2, 2, 1, no majority (> 3): index 1.
        double[] x = [0, 1, 2, 10, 11, 30];
        var distances = new double[36];
        for (var i = 0; i < 6; i++)
            for (var k = 0; k < 6; k++)
                distances[i * 6 + k] = Math.Abs(x[i] - x[k]);
        Assert.Equal(1, ByzantineSgdRule.MajorityPoint(distances, 6, 1.5));
        // Radius 9: index 0 sees 3 points, index 1 sees 0, 1, 2 and 10 (4 > 3): the first qualifying index in order wins.
        Assert.Equal(1, ByzantineSgdRule.MajorityPoint(distances, 6, 9));
        // Radius 0.5: every point is alone; the lowest index wins the tie.
        Assert.Equal(0, ByzantineSgdRule.MajorityPoint(distances, 6, 0.5));
    }

    [Fact]
    public void Saving_after_3_rounds_and_loading_into_a_fresh_rule_gives_the_same_5_rounds_bit_for_bit()
    {
        const int m = 8, d = 30;
        var scenario = Scenario(m, d, 5, seed: 6, sigma: 0.1,
            (id, t, honest) => id == 2 ? Shifted(honest, 0.9, 1) : null, missing: (id, t) => id == 4 && t == 2);
        var straight = new ByzantineSgdRule(2);
        var outputs = scenario.Select((round, t) => Run(straight, round, m, t + 1)).ToList();

        var first = new ByzantineSgdRule(2);
        for (var t = 0; t < 3; t++)
            Run(first, scenario[t], m, t + 1);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            first.SaveState(writer);
        stream.Position = 0;
        var resumed = new ByzantineSgdRule(2);
        using (var reader = new BinaryReader(stream))
            resumed.LoadState(reader);
        for (var t = 3; t < 5; t++)
        {
            var (output, report) = Run(resumed, scenario[t], m, t + 1);
            Assert.Equal(TestData.Bits(outputs[t].Output), TestData.Bits(output));
            Assert.Equal(outputs[t].Report.Weights.ToArray(), report.Weights.ToArray());
        }
        Assert.Equal(straight.V, resumed.V);
        Assert.Equal(straight.D, resumed.D);
        for (var id = 0; id < m; id++)
        {
            Assert.Equal(straight.AccumulatorA(id), resumed.AccumulatorA(id));
            Assert.Equal(straight.IsGood(id), resumed.IsGood(id));
        }
    }

    [Fact]
    public void Loading_a_state_saved_with_another_V_is_refused()
    {
        var rule = new ByzantineSgdRule(0, v: 2);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            rule.SaveState(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        Assert.Throws<InvalidDataException>(() => new ByzantineSgdRule(0, v: 3).LoadState(reader));
    }

    [Fact]
    public void Relabelling_the_workers_relabels_the_good_set_and_keeps_the_output()
    {
        const int m = 7, d = 25;
        var scenario = Scenario(m, d, 20, seed: 8, sigma: 0.1, (id, _, honest) => id == 1 ? Shifted(honest, 2.5, 0) : null);
        int[] relabel = [4, 6, 0, 2, 1, 5, 3];
        var original = new ByzantineSgdRule(2, v: 0.2 * Math.Sqrt(d), d: 5, horizon: 1, delta: 0.5);
        var relabelled = new ByzantineSgdRule(2, v: 0.2 * Math.Sqrt(d), d: 5, horizon: 1, delta: 0.5);
        for (var t = 0; t < scenario.Count; t++)
        {
            var round = scenario[t];
            var order = Enumerable.Range(0, m).OrderBy(r => relabel[r]).ToArray();
            var moved = new Round(round.Model, order.Select(r => relabel[r]).ToArray(), order.Select(r => round.Rows[r]).ToArray());
            var a = Run(original, round, m, t + 1).Output;
            var b = Run(relabelled, moved, m, t + 1).Output;
            for (var j = 0; j < d; j++)
                Assert.Equal(a[j], b[j], 1e-5);
            for (var id = 0; id < m; id++)
                Assert.Equal(original.IsGood(id), relabelled.IsGood(relabel[id]));
        }
        Assert.False(original.IsGood(1));
    }

    [Fact]
    public void One_shard_and_seven_shards_of_the_rows_and_of_the_accumulators_give_the_same_bits()
    {
        const int m = 6, d = 7000;
        var scenario = Scenario(m, d, 3, seed: 9, sigma: 0.01, (id, _, honest) => id == 5 ? Shifted(honest, 50, 3) : null);
        var one = new ByzantineSgdRule(1) { AccumulatorShards = 1 };
        var seven = new ByzantineSgdRule(1) { AccumulatorShards = 7 };
        for (var t = 0; t < scenario.Count; t++)
        {
            var a = Run(one, scenario[t], m, t + 1, shards: 1);
            var b = Run(seven, scenario[t], m, t + 1, shards: 7);
            Assert.Equal(TestData.Bits(a.Output), TestData.Bits(b.Output));
            // The outputs hardly depend on the accumulators' Gram: compare what it gave directly.
            Assert.Equal(one.AccumulatorDistances.ToArray(), seven.AccumulatorDistances.ToArray());
            Assert.Equal(a.Report.Weights.ToArray(), b.Report.Weights.ToArray());
        }
        Assert.False(one.IsGood(5));
        Assert.Equal(one.V, seven.V);
        Assert.Contains(one.AccumulatorDistances.ToArray(), distance => distance > 0);
    }

    [Fact]
    public void NaN_input_a_missing_model_and_out_of_order_rounds_throw_ArgumentException()
    {
        var scenario = Scenario(5, 4, 2, seed: 1, sigma: 1);
        var rows = scenario[0].Rows.Select(r => (float[])r.Clone()).ToArray();
        rows[1][2] = float.NaN;
        Assert.Throws<ArgumentException>(() => Run(new ByzantineSgdRule(1), scenario[0] with { Rows = rows }, 5, 1));

        var noModel = new AggregationContext(1, 5, scenario[0].Ids, null, new Random(0));
        var error = Assert.Throws<ArgumentException>(() => new ByzantineSgdRule(1).Aggregate(TestData.Matrix(scenario[0].Rows), new float[4], noModel));
        Assert.Contains("needs the model", error.Message);

        var rule = new ByzantineSgdRule(1);
        Run(rule, scenario[0], 5, 2);
        Assert.Throws<ArgumentException>(() => Run(rule, scenario[1], 5, 2));
        Assert.Throws<ArgumentException>(() => Run(rule, scenario[1], 6, 3));
    }

    [Theory]
    [InlineData(5, 10, "", "", "byzantine-sgd cannot tolerate f = 5 of n = 10: needs n > 2f")]
    [InlineData(1, 10, "V", "0", "parameter 'V'")]
    [InlineData(1, 10, "V", "-2", "parameter 'V'")]
    [InlineData(1, 10, "D", "0", "parameter 'D'")]
    [InlineData(1, 10, "T", "0", "parameter 'T'")]
    [InlineData(1, 10, "delta", "1", "parameter 'delta'")]
    [InlineData(1, 10, "delta", "0", "parameter 'delta'")]
    [InlineData(1, 10, "v", "1", "byzantine-sgd has no parameter 'v'")]
    public void Create_rejects_bad_parameters_and_impossible_f(int f, int n, string key, string value, string message)
    {
        var parameters = key == "" ? RuleParameters.Empty : NaiveRobust.Parameters((key, value));
        var error = Assert.Throws<ArgumentException>(() => ByzantineSgdRule.Create(f, n, parameters));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Create_reads_its_parameters()
    {
        var rule = ByzantineSgdRule.Create(1, 10, NaiveRobust.Parameters(("V", "0.5"), ("D", "3"), ("T", "200"), ("delta", "0.1")));
        Assert.Equal(0.5, rule.ConfiguredV);
        Assert.Equal(3, rule.ConfiguredD);
        Assert.Equal(200, rule.Horizon);
        Assert.Equal(0.1, rule.Delta);
        var auto = ByzantineSgdRule.Create(1, 10, NaiveRobust.Parameters(("V", "auto"), ("D", "auto")));
        Assert.Null(auto.ConfiguredV);
        Assert.Null(auto.ConfiguredD);
    }
}
