namespace FedActors.Aggregation.Tests;

/// <summary>
/// What a rule allocates per call once its scratch exists: the passes over d coordinates must not allocate in
/// proportion to d (issue 3: no allocation on the hot path). Measured on the calling thread, where one shard runs.
/// </summary>
public class AllocationTests
{
    public static TheoryData<string> Rules() => new(AggregationRules.Names);

    [Theory]
    [MemberData(nameof(Rules))]
    public void A_warm_call_allocates_little_and_not_in_proportion_to_d(string rule)
    {
        var narrow = Allocated(rule, columns: 4096);
        var wide = Allocated(rule, columns: 8 * 4096);
        // A few n-sized arrays and the passes' small objects (under 8 KB at n = 40 for every rule); the filter's
        // eigen-solves alone allocated about 100 KB per call here before their scratch was kept.
        Assert.True(wide < 16 * 1024, $"{rule} allocates {wide} bytes per call at d = 32768");
        Assert.True(Math.Abs(wide - narrow) < 1024, $"{rule} allocates {narrow} bytes at d = 4096 and {wide} at d = 32768");
    }

    private static long Allocated(string rule, int columns)
    {
        const int n = 40;
        var instance = AggregationRules.Create(rule, 8, n);
        var report = new AggregationReport();
        var output = new float[columns];
        var passes = MatrixPasses.Local(TestData.Matrix(TestData.Rows(n, columns, seed: 5, ties: false)), shards: 1);
        var best = long.MaxValue;
        for (var round = 1; round <= 5; round++)
        {
            report.Reset(n);
            var context = AggregationContext.ForMatrix(n, columns) with { Round = round };
            var before = GC.GetAllocatedBytesForCurrentThread();
            instance.AggregateAsync(passes, output, context, report).AsTask().GetAwaiter().GetResult();
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (round > 2)
                best = Math.Min(best, after - before);
        }
        return best;
    }
}
