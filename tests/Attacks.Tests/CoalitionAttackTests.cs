using FedActors.Aggregation;
using FedActors.Learning;
using Xunit;

namespace FedActors.Attacks.Tests;

public class CoalitionAttackTests
{
    // Three known rows used by the hand-computed tests: mean (3, 4); deviations (-2, -2), (0, -2), (2, 4);
    // unbiased std (sqrt(8/2), sqrt(24/2)) = (2, sqrt(12)).
    private static GradientMatrix Hand() => TestRows.Matrix([1f, 2f], [3f, 2f], [5f, 8f]);

    private static float[][] Forge(ICoalitionAttack attack, CoalitionKnowledge knowledge, int members, ulong seed = 1)
    {
        var output = new GradientMatrix(members, knowledge.Honest.Columns);
        attack.Forge(knowledge, output, new DeterministicRandom(seed));
        return TestRows.ToArrays(output);
    }

    [Theory]
    [InlineData(0.975, 1.9599639845400536)]
    [InlineData(0.995, 2.5758293035489)]
    [InlineData(0.9, 1.2815515655446008)]
    [InlineData(0.6, 0.2533471031357998)]
    [InlineData(0.3, -0.5244005127080407)]
    [InlineData(0.5, 0.0)]
    [InlineData(1e-10, -6.361340902404056)]
    [InlineData(1e-300, -37.0470962993612)]
    public void Normal_quantile_matches_published_values(double p, double expected) =>
        Assert.Equal(expected, NormalQuantile.Inverse(p), 1e-14 * Math.Max(1, Math.Abs(expected)));

    [Fact]
    public void Normal_quantile_inverts_the_normal_cdf()
    {
        // Phi(x) = erfc(-x / sqrt 2) / 2 from MathNet's erfc, an implementation independent of AS 241.
        for (var p = 0.001; p < 1; p += 0.0137)
        {
            var x = NormalQuantile.Inverse(p);
            var cdf = 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-x / Math.Sqrt(2));
            Assert.Equal(p, cdf, 1e-14);
        }
        Assert.Equal(double.NegativeInfinity, NormalQuantile.Inverse(0));
        Assert.Equal(double.PositiveInfinity, NormalQuantile.Inverse(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NormalQuantile.Inverse(1.5));
    }

    [Theory]
    // s = floor(n/2 + 1) - f, z = Phi^-1((n - s) / n)
    [InlineData(10, 2, 0.2533471031357998)]   // s = 6 - 2 = 4,   p = 6/10
    [InlineData(50, 12, 0.5828415072712162)]  // s = 26 - 12 = 14, p = 36/50 = 0.72
    [InlineData(100, 20, 0.49585034734745304)] // s = 51 - 20 = 31, p = 69/100
    [InlineData(25, 12, 1.7506860712521695)]  // s = 13 - 12 = 1,  p = 24/25 = 0.96
    public void Alie_z_follows_the_papers_formula(int n, int f, double expected) =>
        Assert.Equal(expected, AlieAttack.ZFromCounts(n, f), 1e-13);

    [Fact]
    public void Alie_z_is_undefined_for_a_byzantine_majority()
    {
        // n = 10, f = 6: s = 6 - 6 = 0, p = 1.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AlieAttack.ZFromCounts(10, 6));
        Assert.Equal("f", error.ParamName);
    }

    [Fact]
    public void Alie_reports_mean_minus_z_std_in_every_member_row()
    {
        var rows = Forge(new AlieAttack(z: 1.5), new CoalitionKnowledge(Hand(), totalWorkers: 5, byzantineCount: 2), members: 2);
        // (3 - 1.5 * 2, 4 - 1.5 * sqrt 12)
        float[] expected = [0f, (float)(4 - 1.5 * Math.Sqrt(12))];
        Assert.Equal(expected, rows[0]);
        Assert.Equal(expected, rows[1]);
    }

    [Fact]
    public void Alie_without_z_takes_it_from_n_and_f()
    {
        // n = 10, f = 2: z = Phi^-1(0.6) = 0.2533471031357998.
        var rows = Forge(new AlieAttack(), new CoalitionKnowledge(Hand(), totalWorkers: 10, byzantineCount: 2), members: 1);
        Assert.Equal((float)(3 - 0.2533471031357998 * 2), rows[0][0]);
        Assert.Equal((float)(4 - 0.2533471031357998 * Math.Sqrt(12)), rows[0][1]);
    }

    [Fact]
    public void Ipm_reports_minus_epsilon_times_the_mean()
    {
        var rows = Forge(new IpmAttack(), new CoalitionKnowledge(Hand(), 5, 2), members: 2);
        Assert.Equal([-0.3f, -0.4f], rows[0]);
        Assert.Equal(rows[0], rows[1]);
        Assert.Equal([-6f, -8f], Forge(new IpmAttack(2), new CoalitionKnowledge(Hand(), 5, 2), members: 1)[0]);
    }

    [Fact]
    public void Mimic_copies_the_row_farthest_along_the_top_principal_direction()
    {
        // Centred x-coordinates -2, -1, 0, 3: the only direction is x, and row 3 is farthest along it.
        var line = TestRows.Matrix([0f, 0f], [1f, 0f], [2f, 0f], [5f, 0f]);
        Assert.Equal([5f, 0f], Forge(new MimicAttack(), new CoalitionKnowledge(line, 6, 2), members: 2)[1]);

        // Mean (0, 1.4); centred rows (-4, -1.4) x2, (4, -1.4) x2, (0, 5.6): variance along x is 64, along y 39.2, so v = x.
        // Row 4 is farthest from the mean (5.6 > 4.24) but projects to 0 on v; rows 0-3 tie at |4| and the lowest id wins.
        var cross = TestRows.Matrix([-4f, 0f], [4f, 0f], [-4f, 0f], [4f, 0f], [0f, 7f]);
        Assert.Equal(0, MimicAttack.ChooseRow(new KnownGradients(cross), new DeterministicRandom(1)));
    }

    [Fact]
    public void Mimic_breaks_an_exact_tie_toward_the_lowest_worker_id()
    {
        // Centred x: 1, -1, 3, -3 (y is constant): rows 2 and 3 tie at |3|.
        var tie = TestRows.Matrix([1f, 1f], [-1f, 1f], [3f, 1f], [-3f, 1f]);
        for (ulong seed = 0; seed < 5; seed++)
            Assert.Equal(2, MimicAttack.ChooseRow(new KnownGradients(tie), new DeterministicRandom(seed)));
        Assert.Equal(0, MimicAttack.ChooseRow(new KnownGradients(TestRows.Matrix([2f, 2f], [2f, 2f])), new DeterministicRandom(1)));
    }

    [Fact]
    public void Min_max_finds_the_hand_computed_gamma()
    {
        // Rows (0,0), (2,0), (0,2): mean (2/3, 2/3), p = -(1,1)/sqrt 2, largest honest distance^2 = 8.
        // m = t (1,1) with t = 2/3 - gamma/sqrt 2; the binding row is (2,0): (t-2)^2 + t^2 <= 8 <=> t >= 1 - sqrt 3,
        // so gamma = sqrt 2 (sqrt 3 - 1/3).
        var known = new KnownGradients(TestRows.Matrix([0f, 0f], [2f, 0f], [0f, 2f]));
        var attack = new MinMaxAttack();
        var gamma = attack.Gamma(known, DistanceBoundAttack.Direction(known, Perturbation.Unit));
        Assert.Equal(Math.Sqrt(2) * (Math.Sqrt(3) - 1.0 / 3), gamma, 1e-8);
    }

    [Fact]
    public void Min_sum_finds_the_hand_computed_gamma()
    {
        // Same rows: sum_i ||mean - g_i||^2 = 8/9 + 20/9 + 20/9 = 16/3; the cross terms sum to 0; bound
        // max_l sum_i ||g_l - g_i||^2 = max(8, 12, 12) = 12. 16/3 + 3 gamma^2 = 12 gives gamma = sqrt(20) / 3.
        var known = new KnownGradients(TestRows.Matrix([0f, 0f], [2f, 0f], [0f, 2f]));
        var gamma = new MinSumAttack().Gamma(known, DistanceBoundAttack.Direction(known, Perturbation.Unit));
        Assert.Equal(Math.Sqrt(20) / 3, gamma, 1e-8);
    }

    [Theory]
    [InlineData(Perturbation.Unit)]
    [InlineData(Perturbation.Sign)]
    [InlineData(Perturbation.Std)]
    public void Min_max_and_min_sum_take_the_largest_gamma_their_constraint_allows(Perturbation perturbation)
    {
        var rows = TestRows.Gaussian(5, 4, seed: 3, center: 2);
        var x = rows.Select(r => r.Select(v => (double)v).ToArray()).ToArray();
        var mean = Enumerable.Range(0, 4).Select(j => x.Average(r => r[j])).ToArray();
        var std = Enumerable.Range(0, 4).Select(j => Math.Sqrt(x.Sum(r => (r[j] - mean[j]) * (r[j] - mean[j])) / 4)).ToArray();
        var p = perturbation switch
        {
            Perturbation.Unit => mean.Select(v => -v / TestRows.Norm(mean)).ToArray(),
            Perturbation.Sign => mean.Select(v => (double)-Math.Sign(v)).ToArray(),
            _ => std.Select(v => -v).ToArray(),
        };
        double Sq(double[] a, double[] b) => a.Zip(b).Sum(t => (t.First - t.Second) * (t.First - t.Second));
        double[] M(double gamma) => mean.Zip(p).Select(t => t.First + gamma * t.Second).ToArray();

        var maxPair = x.SelectMany(a => x.Select(b => Sq(a, b))).Max();
        var maxSum = x.Select(a => x.Sum(b => Sq(a, b))).Max();
        bool MinMaxHolds(double gamma) => x.Max(r => Sq(M(gamma), r)) <= maxPair * (1 + 1e-12);
        bool MinSumHolds(double gamma) => x.Sum(r => Sq(M(gamma), r)) <= maxSum * (1 + 1e-12);

        var matrix = TestRows.Matrix(rows);
        var known = new KnownGradients(matrix);
        var direction = DistanceBoundAttack.Direction(known, perturbation);
        for (var j = 0; j < 4; j++)
            Assert.Equal(p[j], direction[j], 1e-12);

        var minMax = new MinMaxAttack(perturbation).Gamma(known, direction);
        Assert.True(minMax > 0);
        Assert.True(MinMaxHolds(minMax));
        Assert.False(MinMaxHolds(minMax * (1 + 1e-6)));

        var minSum = new MinSumAttack(perturbation).Gamma(known, direction);
        Assert.True(minSum > 0);
        Assert.True(MinSumHolds(minSum));
        Assert.False(MinSumHolds(minSum * (1 + 1e-6)));

        // The forged rows are mean + gamma p, rounded to float.
        var forged = Forge(new MinMaxAttack(perturbation), new CoalitionKnowledge(matrix, 8, 3), members: 3);
        Assert.Equal(M(minMax).Select(v => (float)v), forged[2]);
    }

    [Fact]
    public void Anti_filter_sits_at_the_honest_rms_distance_orthogonal_to_the_mean()
    {
        // Mean (3, 4); squared distances to it 8, 4, 20, so r = sqrt(32/3); in 2-D the only unit direction
        // orthogonal to (3, 4) is +-(4, -3)/5.
        var rows = Forge(new AntiFilterAttack(directionSeed: 5), new CoalitionKnowledge(Hand(), 5, 2), members: 2);
        var shift = new[] { rows[0][0] - 3.0, rows[0][1] - 4.0 };
        Assert.Equal(Math.Sqrt(32.0 / 3), TestRows.Norm(shift), 1e-5);
        Assert.Equal(0, 3 * shift[0] + 4 * shift[1], 1e-5);
        Assert.Equal(rows[0], rows[1]);
    }

    [Fact]
    public void Anti_filter_keeps_one_direction_for_the_run_and_projects_out_each_rounds_mean()
    {
        var attack = new AntiFilterAttack(directionSeed: 77);
        var raw = attack.Direction(new double[40]);
        Assert.Equal(1, TestRows.Norm(raw), 1e-12);
        Assert.Equal(raw, new AntiFilterAttack(77).Direction(new double[40]));
        Assert.NotEqual(raw, new AntiFilterAttack(78).Direction(new double[40]));

        // u = normalise(w - <w, m> m / ||m||^2) for the run's raw direction w.
        var mean = Enumerable.Range(0, 40).Select(j => Math.Cos(j) + 0.5).ToArray();
        var along = raw.Zip(mean).Sum(t => t.First * t.Second) / mean.Sum(v => v * v);
        var projected = raw.Zip(mean).Select(t => t.First - along * t.Second).ToArray();
        var norm = TestRows.Norm(projected);
        var u = attack.Direction(mean);
        for (var j = 0; j < 40; j++)
            Assert.Equal(projected[j] / norm, u[j], 1e-12);
    }

    [Fact]
    public void Anti_filter_noise_keeps_the_expected_distance()
    {
        // d = 4000, r^2 = mean squared distance of the known rows (about (k-1)/k * d for unit noise); noise 0.5 takes
        // 0.25 d of it, s the rest. ||forged - mean||^2 = s^2 + ||noise||^2 concentrates within a few percent.
        var known = TestRows.Matrix(TestRows.Gaussian(6, 4000, seed: 1, center: 1));
        var k = new KnownGradients(known);
        var r2 = Enumerable.Range(0, 6).Average(k.SquaredDistanceToMean);
        var rows = Forge(new AntiFilterAttack(3, noise: 0.5), new CoalitionKnowledge(known, 10, 2), members: 2);
        foreach (var row in rows)
        {
            var distance2 = row.Select((v, j) => (v - k.Mean[j]) * (v - k.Mean[j])).Sum();
            Assert.InRange(distance2, 0.95 * r2, 1.05 * r2);
        }
        Assert.NotEqual(rows[0], rows[1]);
    }

    private static (CoalitionKnowledge Knowledge, float[][] Honest) Omniscient(string rule, int n, int f, double center, int seed = 2)
    {
        var honest = TestRows.Gaussian(n - f, 6, seed, center);
        var knowledge = new CoalitionKnowledge(TestRows.Matrix(honest), n, f)
        {
            PipelineFactory = () => new AggregationPipeline([], AggregationRules.Create(rule, f, n)),
        };
        return (knowledge, honest);
    }

    /// <summary>The rule's aggregate of the honest rows followed by the forged rows (ids: honest first), as the attacks simulate it.</summary>
    private static float[] Aggregate(string rule, int f, float[][] honest, float[][] forged)
    {
        var all = honest.Concat(forged).ToArray();
        var output = new float[honest[0].Length];
        new AggregationPipeline([], AggregationRules.Create(rule, f, all.Length)).Aggregate(TestRows.Matrix(all), output);
        return output;
    }

    private static double DistanceFromHonestMean(float[] aggregate, float[][] honest) =>
        TestRows.Norm(aggregate.Select((v, j) => v - honest.Average(r => (double)r[j])));

    [Theory]
    [InlineData("median")]
    [InlineData("mean")]
    public void Alie_opt_moves_the_aggregate_at_least_as_far_as_alie(string rule)
    {
        var (knowledge, honest) = Omniscient(rule, n: 15, f: 4, center: 1);
        var plain = Forge(new AlieAttack(), knowledge, members: 4);
        var tuned = Forge(new AlieOptAttack(), knowledge, members: 4);

        var plainDistance = DistanceFromHonestMean(Aggregate(rule, 4, honest, plain), honest);
        var tunedDistance = DistanceFromHonestMean(Aggregate(rule, 4, honest, tuned), honest);
        Assert.True(tunedDistance >= plainDistance, $"{tunedDistance} < {plainDistance}");
        Assert.True(tunedDistance > 0);
    }

    [Theory]
    [InlineData("median")]
    [InlineData("mean")]
    public void Ipm_opt_moves_the_aggregate_at_least_as_far_as_ipm(string rule)
    {
        var (knowledge, honest) = Omniscient(rule, n: 15, f: 4, center: 1);
        var plain = Forge(new IpmAttack(), knowledge, members: 4);
        var tuned = Forge(new IpmOptAttack(), knowledge, members: 4);

        var plainDistance = DistanceFromHonestMean(Aggregate(rule, 4, honest, plain), honest);
        var tunedDistance = DistanceFromHonestMean(Aggregate(rule, 4, honest, tuned), honest);
        Assert.True(tunedDistance >= plainDistance, $"{tunedDistance} < {plainDistance}");
        if (rule == "mean")
        {
            // For the mean the distance is f (1 + epsilon) / n ||mu||, increasing in epsilon: the search ends at max-epsilon 10.
            Assert.Equal(-10 * honest.Average(r => (double)r[0]), tuned[0][0], 1e-5);
        }
    }

    [Fact]
    public void Opt_attacks_need_a_pipeline_factory()
    {
        var knowledge = new CoalitionKnowledge(Hand(), 5, 2);
        var output = new GradientMatrix(2, 2);
        Assert.Contains("PipelineFactory", Assert.Throws<ArgumentException>(() => new AlieOptAttack().Forge(knowledge, output, new DeterministicRandom(1))).Message);
        Assert.Contains("PipelineFactory", Assert.Throws<ArgumentException>(() => new IpmOptAttack().Forge(knowledge, output, new DeterministicRandom(1))).Message);
    }

    [Fact]
    public void A_factory_that_returns_the_runs_own_pipeline_is_refused()
    {
        var shared = new AggregationPipeline([], AggregationRules.Create("median", 2, 5));
        var knowledge = new CoalitionKnowledge(Hand(), 5, 2) { PipelineFactory = () => shared };
        Assert.Throws<InvalidOperationException>(() => new AlieOptAttack().Forge(knowledge, new GradientMatrix(2, 2), new DeterministicRandom(1)));
    }

    [Fact]
    public void Saddle_without_a_pipeline_zeroes_the_mean_in_closed_form()
    {
        // n = 5, f = 2: c = 3/2; 3 honest rows with mean (3, 4) and 2 rows at -1.5 (3, 4) sum to 0.
        var rows = Forge(new SaddleAttack(), new CoalitionKnowledge(Hand(), 5, 2), members: 2);
        Assert.Equal([-4.5f, -6f], rows[0]);
        Assert.Equal(rows[0], rows[1]);
    }

    [Theory]
    [InlineData("mean", 1e-5)]
    [InlineData("median", 0.25)]
    public void Saddle_drives_the_aggregate_far_below_the_honest_mean(string rule, double ratio)
    {
        // Near a saddle point the honest gradients are small against their noise: mean 0.1 (1 + j mod 3), unit noise.
        // (Far from one, with honest values mostly of one sign, f = 4 of 16 rows cannot move a median to 0 at all.)
        var (knowledge, honest) = Omniscient(rule, n: 16, f: 4, center: 0.1, seed: 4);
        var forged = Forge(new SaddleAttack(), knowledge, members: 4);

        var honestMeanNorm = TestRows.Norm(Enumerable.Range(0, 6).Select(j => honest.Average(r => (double)r[j])));
        var aggregateNorm = TestRows.Norm(Aggregate(rule, 4, honest, forged).Select(v => (double)v));
        Assert.True(aggregateNorm < ratio * honestMeanNorm, $"||aggregate|| = {aggregateNorm}, ||honest mean|| = {honestMeanNorm}");
    }

    [Theory]
    [InlineData(20, 4, 0.0)]
    [InlineData(21, 4, 0.05)]
    [InlineData(20, 4, 0.6)]
    [InlineData(9, 1, 0.1)]
    public void Saddle_against_the_median_puts_each_coordinate_as_close_to_zero_as_f_rows_can(int n, int f, double center)
    {
        // Omniscient: the coalition knows all n - f honest rows. Per coordinate, no placement of f values moves the
        // median outside [L, U], its values with every forged row at -inf and at +inf; 0 is reached exactly when it
        // lies inside, and the nearer end otherwise.
        var honest = TestRows.Gaussian(n - f, 200, seed: n + f, center: center);
        var knowledge = new CoalitionKnowledge(TestRows.Matrix(honest), n, f);
        var forged = Forge(new SaddleAttack(mode: SaddleMode.CoordinateMedian), knowledge, members: f);

        var median = Aggregate("median", f, honest, forged);
        var exact = 0;
        for (var j = 0; j < 200; j++)
        {
            var column = honest.Select(row => (double)row[j]).Order().ToArray();
            double Middle(int shift) => (column[(n - 1) / 2 - shift] + column[n / 2 - shift]) / 2;
            var (lower, upper) = (Middle(f), Middle(0));
            var best = lower > 0 ? lower : upper < 0 ? upper : 0;
            Assert.True(Math.Abs(median[j] - best) <= 1e-6 * (1 + Math.Abs(best)), $"coordinate {j}: median {median[j]}, best {best}, [{lower}, {upper}]");
            Assert.All(forged, row => Assert.Equal(forged[0][j], row[j]));
            if (best == 0)
                exact++;
        }
        if (center == 0)
            Assert.True(exact > 100, $"only {exact} of 200 coordinates at 0");
    }

    [Fact]
    public void Saddle_modes_have_config_names_and_unknown_ones_are_refused()
    {
        Assert.Equal(["scaled-mean", "coordinate-median"], SaddleAttack.ModeNames);
        Assert.Equal(SaddleMode.CoordinateMedian, SaddleAttack.ParseMode("coordinate-median"));
        Assert.Contains("scaled-mean, coordinate-median", Assert.Throws<ArgumentException>(() => SaddleAttack.ParseMode("median")).Message);
    }

    [Fact]
    public void Simulated_rounds_place_rows_by_worker_id()
    {
        // gmom with 2 groups of contiguous ids: where the forged rows sit decides which group mean they spoil, so an
        // attack told the real ids must simulate exactly the coordinator's matrix.
        var honest = TestRows.Matrix([1f], [2f], [3f], [4f]);
        AggregationPipeline Factory() => new([], AggregationRules.Create("mean", 2, 6));
        var knowledge = new CoalitionKnowledge(honest, 6, 2)
        {
            PipelineFactory = Factory,
            HonestWorkerIds = [0, 2, 3, 5],
            MemberWorkerIds = [1, 4],
        };
        var round = new SimulatedRound(knowledge, 2, Factory, new DeterministicRandom(1));
        // Mean of 1, 10, 2, 3, 10, 4 (ids 0..5) = 30 / 6.
        Assert.Equal(5f, round.Aggregate([10.0])[0]);
        Assert.Throws<ArgumentException>(() => new SimulatedRound(knowledge, 3, Factory, new DeterministicRandom(1)));
    }

    [Fact]
    public void Coalition_attacks_are_reproducible_from_the_random_stream()
    {
        var (knowledge, _) = Omniscient("median", n: 12, f: 3, center: 1);
        ICoalitionAttack[] attacks =
        [
            new AlieAttack(), new IpmAttack(), new MimicAttack(), new MinMaxAttack(), new MinSumAttack(Perturbation.Std),
            new AlieOptAttack(), new IpmOptAttack(), new AntiFilterAttack(9, noise: 0.1), new SaddleAttack(),
        ];
        foreach (var attack in attacks)
        {
            var first = Forge(attack, knowledge, members: 3, seed: 21);
            var second = Forge(attack, knowledge, members: 3, seed: 21);
            Assert.Equal(first.SelectMany(r => r), second.SelectMany(r => r));
            Assert.All(first.SelectMany(r => r), v => Assert.True(float.IsFinite(v), attack.Name));
        }
    }

    [Fact]
    public void Coalition_attacks_check_the_output_shape()
    {
        var knowledge = new CoalitionKnowledge(Hand(), 5, 2);
        Assert.Throws<ArgumentException>(() => new AlieAttack().Forge(knowledge, new GradientMatrix(2, 3), new DeterministicRandom(1)));
        var noMembers = new GradientMatrix(1, 2);
        noMembers.Compact([false]);
        Assert.Throws<ArgumentException>(() => new SaddleAttack().Forge(knowledge, noMembers, new DeterministicRandom(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoalitionKnowledge(Hand(), 5, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LineSearch(gridPoints: 1));
    }

    [Fact]
    public void Line_search_finds_the_peak_of_a_smooth_function_and_keeps_the_extra_candidate()
    {
        // -(x - 3.3)^2 on [0, 10]: grid step 1 brackets [2, 4]; 30 golden steps shrink it by 0.618^30 = 5e-7.
        var (x, _) = new LineSearch(11, 30).Maximize(v => -(v - 3.3) * (v - 3.3), 0, 10);
        Assert.Equal(3.3, x, 1e-5);
        // A spike no grid point sees is found when it is the extra candidate.
        var (spike, value) = new LineSearch(11, 0).Maximize(v => v == 0.123 ? 5 : 0, 0, 10, extra: 0.123);
        Assert.Equal((0.123, 5.0), (spike, value));
    }
}
