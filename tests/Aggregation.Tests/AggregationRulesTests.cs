namespace FedActors.Aggregation.Tests;

public class AggregationRulesTests
{
    [Fact]
    public void Names_are_the_config_names()
    {
        Assert.Equal(
            ["mean", "median", "trimmed-mean", "geometric-median", "gmom", "filter", "byzantine-sgd", "bgmd", "meamed", "krum",
             "multi-krum", "bulyan", "centered-clipping"],
            AggregationRules.Names);
        Assert.Equal(["nnm", "bucketing", "clip"], PreAggregators.Names);
    }

    [Theory]
    [InlineData("mean", 0, 10, typeof(MeanRule), 1)]
    [InlineData("mean", 50, 100, typeof(MeanRule), 1)]
    [InlineData("median", 3, 7, typeof(CoordinateWiseMedianRule), 7)]
    [InlineData("trimmed-mean", 2, 10, typeof(TrimmedMeanRule), 5)]
    public void Create_builds_the_named_rule(string name, int f, int n, Type type, int minimumRows)
    {
        var rule = AggregationRules.Create(name, f, n);
        Assert.IsType(type, rule);
        Assert.Equal(name, rule.Name);
        Assert.Equal(minimumRows, rule.MinimumRows);
    }

    [Theory]
    [InlineData("krun", 1, 10, "unknown aggregation rule 'krun'; known rules: mean, median, trimmed-mean, geometric-median")]
    [InlineData("krum", 4, 10, "krum cannot tolerate f = 4 of n = 10")]
    [InlineData("Median", 1, 10, "unknown aggregation rule 'Median'")]
    [InlineData("trimmed-mean", 50, 100, "trimmed-mean cannot tolerate f = 50 of n = 100: needs n > 2f")]
    [InlineData("median", 2, 4, "median cannot tolerate f = 2 of n = 4: needs n > 2f")]
    [InlineData("median", -1, 4, "median: f (Byzantine workers) must be >= 0, got f = -1")]
    [InlineData("mean", 11, 10, "mean: f = 11 Byzantine workers exceeds n = 10 workers")]
    [InlineData("mean", 0, 0, "mean needs at least one worker, got n = 0")]
    public void Create_rejects_impossible_parameters_with_a_clear_message(string name, int f, int n, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => AggregationRules.Create(name, f, n));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void A_parameter_no_rule_reads_is_named_in_the_error()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            AggregationRules.Create("geometric-median", 1, 10, new RuleParameters(new Dictionary<string, string> { ["tolerence"] = "1e-3" })));
        Assert.Equal("tolerence", error.ParamName);
        Assert.Contains("'tolerence'", error.Message);
        Assert.Contains("tolerance", error.Message);
    }

    [Fact]
    public void A_bad_parameter_value_is_named_in_the_error()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            AggregationRules.Create("multi-krum", 1, 10, new RuleParameters(new Dictionary<string, string> { ["m"] = "many" })));
        Assert.Equal("m", error.ParamName);
    }

    [Fact]
    public void Rule_constructors_reject_negative_f()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoordinateWiseMedianRule(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMeanRule(-2));
    }

    [Fact]
    public void Rules_reject_too_few_rows_and_mismatched_outputs()
    {
        var matrix = TestData.Matrix(TestData.Rows(4, 10, seed: 1, ties: false));
        var workspace = new AggregationWorkspace();
        var tooFew = Assert.Throws<ArgumentException>(() => new TrimmedMeanRule(2).Aggregate(matrix, new float[10], workspace));
        Assert.StartsWith("trimmed-mean needs at least 5 rows, the matrix has 4", tooFew.Message);
        Assert.Throws<ArgumentException>(() => new MeanRule().Aggregate(matrix, new float[9], workspace));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new CoordinateWiseMedianRule(1).AggregateRange(matrix, new CoordinateRange(5, 6), new float[6], workspace));
    }

    public static TheoryData<string, float> WholeMatrixRulesAndBadValues()
    {
        var data = new TheoryData<string, float>();
        foreach (var rule in new[] { "mean", "median", "trimmed-mean", "meamed" })
        {
            foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                data.Add(rule, bad);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WholeMatrixRulesAndBadValues))]
    public void The_whole_matrix_entry_point_rejects_non_finite_values_naming_row_and_coordinate(string name, float bad)
    {
        // Without the scan the median of a column with one NaN is a finite number chosen by where NaN sorts.
        var matrix = TestData.Matrix(TestData.Rows(9, 1500, seed: 3, ties: false));
        matrix.Row(6)[1203] = bad;
        var rule = (ICoordinateWiseRule)AggregationRules.Create(name, 2, 9);
        var aggregate = rule switch
        {
            MeanRule mean => (Action)(() => mean.Aggregate(matrix, new float[1500], new AggregationWorkspace())),
            OrderStatisticRule band => () => band.Aggregate(matrix, new float[1500], new AggregationWorkspace()),
            _ => throw new InvalidOperationException($"{name} has no whole-matrix entry point"),
        };

        var error = Assert.Throws<ArgumentException>(aggregate);

        Assert.Equal("matrix", error.ParamName);
        Assert.Contains("row 6", error.Message);
        Assert.Contains("coordinate 1203", error.Message);
    }
}
