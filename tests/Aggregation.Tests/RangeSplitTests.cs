namespace FedActors.Aggregation.Tests;

/// <summary>A coordinate's value never depends on the range it was computed in.</summary>
public class RangeSplitTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        // Only coordinate-wise rules have AggregateRange; the others are covered by their 1-vs-7-shard tests.
        foreach (var rule in AggregationRules.Names.Where(name => AggregationRules.Create(name, f: 0, n: 20) is ICoordinateWiseRule))
            foreach (var n in new[] { 7, 40, TestData.SelectionRows })
                // 5000 spans five 1024-coordinate blocks: the smaller two fit in one block, so only it splits.
                foreach (var d in new[] { 131, 1000, 5000 })
                    data.Add(rule, n, d);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ranges_of_every_partition_assemble_bit_identically(string name, int n, int d)
    {
        var rule = (ICoordinateWiseRule)AggregationRules.Create(name, n / 5, n);
        var matrix = TestData.Matrix(TestData.Rows(n, d, seed: n + d, ties: name == "median"));
        var whole = TestData.Bits(TestData.Aggregate(rule, matrix));

        var workspace = new AggregationWorkspace();
        for (var parts = 1; parts <= 8; parts++)
        {
            var assembled = new float[d];
            foreach (var range in CoordinatePartition.Split(d, parts))
                rule.AggregateRange(matrix, range, assembled.AsSpan(range.Start, range.Length), workspace);
            Assert.Equal(whole, TestData.Bits(assembled));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unaligned_ranges_give_the_same_bits(string name, int n, int d)
    {
        var rule = (ICoordinateWiseRule)AggregationRules.Create(name, n / 5, n);
        var matrix = TestData.Matrix(TestData.Rows(n, d, seed: 2 * n + d, ties: false));
        var whole = TestData.Bits(TestData.Aggregate(rule, matrix));

        var random = new Random(n * d);
        var workspace = new AggregationWorkspace();
        for (var trial = 0; trial < 20; trial++)
        {
            var start = random.Next(d);
            var length = random.Next(d - start + 1);
            var output = new float[length];
            rule.AggregateRange(matrix, new CoordinateRange(start, length), output, workspace);
            Assert.Equal(whole[start..(start + length)], TestData.Bits(output));
        }
    }
}
