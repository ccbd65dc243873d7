namespace FedActors.Aggregation.Tests;

/// <summary>
/// Stateless rules keep their large scratch (distances, mixing matrices, the filter's workspace) from call to call: a
/// call must not see what an earlier call with other rows left in it, and concurrent callers of one instance must not
/// share it.
/// </summary>
public class ScratchReuseTests
{
    private const int Workers = 24;
    private const int F = 2;

    /// <summary>Calls with other row counts and other rows in between, as the rounds of a run with stragglers give them.</summary>
    private static readonly int[][] PresentWorkers =
    [
        Enumerable.Range(0, Workers).ToArray(),
        // Worker 4 leaves one group short; workers 8-11 are a whole group of GMoM's 6 groups of 4.
        Enumerable.Range(0, Workers).Where(id => id != 4 && id is < 8 or > 11).ToArray(),
        Enumerable.Range(0, Workers).Where(id => id % 5 != 3).ToArray(),
        // The same number of rows and of groups as the line above, in other places: the same scratch sizes.
        Enumerable.Range(0, Workers).Where(id => id % 5 != 0).ToArray(),
        Enumerable.Range(0, Workers).ToArray(),
    ];

    public static TheoryData<string> Steps() => new() { "krum", "multi-krum", "bulyan", "gmom", "filter", "nnm" };

    [Theory]
    [MemberData(nameof(Steps))]
    public void A_call_gives_the_bits_of_a_fresh_instance_whatever_the_calls_before_it(string step)
    {
        var reused = Create(step);
        for (var call = 0; call < PresentWorkers.Length; call++)
        {
            var (matrix, context) = Round(PresentWorkers[call], seed: call);
            var (output, weights) = Run(reused, matrix, context);
            var (expected, expectedWeights) = Run(Create(step), matrix, context);
            Assert.Equal(TestData.Bits(expected), TestData.Bits(output));
            Assert.Equal(expectedWeights, weights);
        }
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Concurrent_callers_of_one_instance_get_the_bits_of_separate_instances(string step)
    {
        const int callers = 4, calls = 12;
        var rounds = Enumerable.Range(0, callers * calls)
            // Wide enough rows that the callers' passes overlap.
            .Select(r => Round(PresentWorkers[r % PresentWorkers.Length], seed: 100 + r, columns: 3000))
            .ToArray();
        var expected = rounds.Select(round => Run(Create(step), round.Matrix, round.Context)).ToArray();

        // The rule or pre-aggregation step is shared; the pipeline around it (which keeps the rule's report for
        // mapping weights back) is the caller's own.
        var shared = Create(step);
        var results = new (float[] Output, double[] Weights)[rounds.Length];
        // The callers start each call together, so that their calls overlap.
        using var start = new Barrier(callers);
        var tasks = Enumerable.Range(0, callers).Select(caller => Task.Factory.StartNew(() =>
        {
            try
            {
                for (var r = caller; r < rounds.Length; r += callers)
                {
                    start.SignalAndWait();
                    results[r] = Run(shared, rounds[r].Matrix, rounds[r].Context);
                }
            }
            finally
            {
                // A caller that throws must not leave the others waiting for it.
                start.RemoveParticipant();
            }
        }, TaskCreationOptions.LongRunning));
        await Task.WhenAll(tasks);

        for (var r = 0; r < rounds.Length; r++)
        {
            Assert.Equal(TestData.Bits(expected[r].Output), TestData.Bits(results[r].Output));
            Assert.Equal(expected[r].Weights, results[r].Weights);
        }
    }

    private static (IPreAggregator[] Pre, IAggregationRule Rule) Create(string step) => step == "nnm"
        ? ([new NearestNeighbourMixing(F)], new MeanRule())
        : ([], AggregationRules.Create(step, F, Workers));

    private static (GradientMatrix Matrix, AggregationContext Context) Round(int[] present, int seed, int columns = 37)
    {
        var rows = TestData.Rows(present.Length, columns, seed, ties: false);
        var context = new AggregationContext(1, Workers, present, null, new Random(seed));
        return (TestData.Matrix(rows), context);
    }

    /// <summary>One call through a pipeline of its own around the (possibly shared) step and rule.</summary>
    private static (float[] Output, double[] Weights) Run((IPreAggregator[] Pre, IAggregationRule Rule) step,
        GradientMatrix matrix, AggregationContext context)
    {
        var output = new float[matrix.Columns];
        var report = new AggregationPipeline(step.Pre, step.Rule).Aggregate(matrix, output, context);
        return (output, report.Weights.ToArray());
    }
}
