using System.CommandLine;
using System.Text.Json;
using FedActors.Aggregation;
using FedActors.Host.Npy;
using FedActors.Host.Tests.Npy;
using Xunit;

namespace FedActors.Host.Tests;

public sealed class AggregateCommandTests : IDisposable
{
    // Five workers, three coordinates; the last row is an outlier in every column.
    // Column medians: {1,2,3,4,100} -> 3, {10,20,30,40,-5} -> 20, {100,200,300,400,7} -> 200.
    // Column means: 110/5 = 22, 95/5 = 19, 1007/5 = 201.4.
    private static readonly float[,] FiveWorkers =
    {
        { 1, 10, 100 },
        { 2, 20, 200 },
        { 3, 30, 300 },
        { 4, 40, 400 },
        { 100, -5, 7 },
    };

    private readonly string _directory = RepositoryFiles.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Median_with_json_writes_the_coordinate_wise_median_and_reports_the_run()
    {
        var input = Write("x.npy", NpyFixtures.Float32Matrix(FiveWorkers));
        var output = Path.Combine(_directory, "median.npy");

        var (exit, stdout, stderr) = Run("aggregate", "--rule", "median", "--f", "1", "--in", input, "--out", output, "--json");

        Assert.Equal(Program.ExitOk, exit);
        Assert.Equal("", stderr);
        Assert.Equal([3f, 20f, 200f], ReadVector(output));
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("median", root.GetProperty("rule").GetString());
        Assert.Equal(5, root.GetProperty("n").GetInt32());
        Assert.Equal(3, root.GetProperty("d").GetInt32());
        Assert.Equal(1, root.GetProperty("f").GetInt32());
        Assert.Equal(1, root.GetProperty("shards").GetInt32());
        Assert.Equal("float32", root.GetProperty("input_dtype").GetString());
        Assert.True(root.GetProperty("elapsed_ms").GetDouble() >= 0);
        // The medians 3, 20, 200 are rows 2, 1, 1: row 1 holds two of the three kept values, row 2 one.
        Assert.Equal([0, 2.0 / 3, 1.0 / 3, 0, 0],
            root.GetProperty("weights").EnumerateArray().Select(weight => weight.GetDouble()).ToArray());
        Assert.Equal(0, root.GetProperty("iterations").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("objective").ValueKind);
        Assert.True(root.GetProperty("converged").GetBoolean());
        Assert.Equal(0, root.GetProperty("pre").GetArrayLength());
    }

    [Fact]
    public void Mean_reports_each_row_weighing_one_nth()
    {
        var input = Write("x.npy", NpyFixtures.Float32Matrix(FiveWorkers));
        var output = Path.Combine(_directory, "mean.npy");

        var (exit, stdout, _) = Run("aggregate", "--rule", "mean", "--in", input, "--out", output, "--json");

        Assert.Equal(Program.ExitOk, exit);
        Assert.Equal([22f, 19f, 201.4f], ReadVector(output));
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal([0.2, 0.2, 0.2, 0.2, 0.2],
            json.RootElement.GetProperty("weights").EnumerateArray().Select(weight => weight.GetDouble()).ToArray());
    }

    [Fact]
    public void A_float64_input_is_rounded_to_float32_and_says_so()
    {
        var values = new double[FiveWorkers.GetLength(0), FiveWorkers.GetLength(1)];
        for (var i = 0; i < values.GetLength(0); i++)
        {
            for (var j = 0; j < values.GetLength(1); j++)
                values[i, j] = FiveWorkers[i, j] + 0.1;
        }
        var input = Write("x64.npy", NpyFixtures.Float64Matrix(values));
        var output = Path.Combine(_directory, "median.npy");

        var (exit, stdout, _) = Run("aggregate", "--rule", "median", "--f", "2", "--in", input, "--out", output, "--json");

        Assert.Equal(Program.ExitOk, exit);
        Assert.Equal([3.1f, 20.1f, 200.1f], ReadVector(output));
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("float64", json.RootElement.GetProperty("input_dtype").GetString());
    }

    [Fact]
    public void Without_json_a_short_summary_names_the_rule_the_shape_and_the_output()
    {
        var input = Write("x.npy", NpyFixtures.Float32Matrix(FiveWorkers));
        var output = Path.Combine(_directory, "out.npy");

        var (exit, stdout, _) = Run("aggregate", "--rule", "trimmed-mean", "--f", "1", "--in", input, "--out", output);

        Assert.Equal(Program.ExitOk, exit);
        Assert.Contains("trimmed-mean with f = 1 over 5 rows x 3 columns", stdout);
        Assert.Contains(output, stdout);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(stdout));
        // Trimming one value at each end leaves {2,3,4}, {10,20,30}, {100,200,300}.
        Assert.Equal([3f, 20f, 200f], ReadVector(output));
    }

    [Fact]
    public void Repeat_runs_the_aggregation_several_times_and_writes_the_same_aggregate()
    {
        var input = Write("x.npy", NpyFixtures.Float32Matrix(FiveWorkers));
        var once = Path.Combine(_directory, "once.npy");
        var thrice = Path.Combine(_directory, "thrice.npy");

        Assert.Equal(Program.ExitOk, Run("aggregate", "--rule", "mean", "--in", input, "--out", once).Exit);
        var (exit, stdout, _) = Run("aggregate", "--rule", "mean", "--in", input, "--out", thrice, "--repeat", "3", "--json");

        Assert.Equal(Program.ExitOk, exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(3, json.RootElement.GetProperty("repeat").GetInt32());
        Assert.Equal(File.ReadAllBytes(once), File.ReadAllBytes(thrice));
    }

    public static TheoryData<string> EveryRule() => new(AggregationRules.Names);

    [Theory]
    [MemberData(nameof(EveryRule))]
    public void Every_rule_runs_from_the_command_and_writes_what_the_library_computes(string rule)
    {
        // Eleven rows: Bulyan needs n >= 4f + 3. The command gives the rule a first round with a zero model. The library call gets a model of random values
        // instead: a first round only stores the model (ByzantineSGD's x_1), so the two must agree to the bit.
        var random = new Random(11);
        var values = new float[11, 2500];
        for (var i = 0; i < values.GetLength(0); i++)
        {
            for (var j = 0; j < values.GetLength(1); j++)
                values[i, j] = (float)(random.NextDouble() * 2 - 1) + (i < 2 ? 3 : 0);
        }
        var input = Write("x.npy", NpyFixtures.Float32Matrix(values));
        var output = Path.Combine(_directory, "y.npy");
        var matrix = new GradientMatrix(11, 2500);
        for (var i = 0; i < 11; i++)
        {
            for (var j = 0; j < 2500; j++)
                matrix.Row(i)[j] = values[i, j];
        }
        var model = Enumerable.Range(0, 2500).Select(_ => (float)random.NextDouble()).ToArray();
        var expected = new float[2500];
        var report = AggregationRules.Create(rule, 2, 11).Aggregate(matrix, expected, AggregationContext.ForRows(11) with { Model = model });

        var (exit, stdout, stderr) = Run("aggregate", "--rule", rule, "--f", "2", "--in", input, "--out", output, "--shards", "2", "--json");

        Assert.True(exit == Program.ExitOk, stderr);
        Assert.Equal(expected, ReadVector(output));
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(report.Weights.ToArray(),
            json.RootElement.GetProperty("weights").EnumerateArray().Select(weight => weight.GetDouble()).ToArray());
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("median")]
    [InlineData("trimmed-mean")]
    public void One_and_three_shards_write_identical_bytes(string rule)
    {
        // d spans three 1024-coordinate blocks, so three shards really split the work.
        var random = new Random(7);
        var values = new float[9, 3000];
        for (var i = 0; i < values.GetLength(0); i++)
        {
            for (var j = 0; j < values.GetLength(1); j++)
                values[i, j] = (float)(random.NextDouble() * 2 - 1) * (1 + i);
        }
        var input = Write("wide.npy", NpyFixtures.Float32Matrix(values));
        var oneShard = Path.Combine(_directory, "one.npy");
        var threeShards = Path.Combine(_directory, "three.npy");

        Assert.Equal(Program.ExitOk, Run("aggregate", "--rule", rule, "--f", "2", "--in", input, "--out", oneShard, "--shards", "1").Exit);
        Assert.Equal(Program.ExitOk, Run("aggregate", "--rule", rule, "--f", "2", "--in", input, "--out", threeShards, "--shards", "3").Exit);

        Assert.Equal(File.ReadAllBytes(oneShard), File.ReadAllBytes(threeShards));
        Assert.Equal(3000, ReadVector(oneShard).Length);
    }

    [Theory]
    [MemberData(nameof(NpyFixtures.Malformed), MemberType = typeof(NpyFixtures))]
    public void A_malformed_input_exits_2_naming_the_file_and_the_problem(string name, byte[] bytes, string fragment)
    {
        var input = Write("bad.npy", bytes);
        var output = Path.Combine(_directory, "out.npy");

        var (exit, stdout, stderr) = Run("aggregate", "--rule", "mean", "--in", input, "--out", output, "--json");

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.True(stderr.Contains(input, StringComparison.Ordinal) && stderr.Contains(fragment, StringComparison.Ordinal),
            $"{name}: '{stderr}' should name {input} and contain '{fragment}'");
        Assert.Equal("", stdout);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void A_non_finite_input_value_exits_2_naming_its_row_and_column(float bad, string shown)
    {
        var values = (float[,])FiveWorkers.Clone();
        values[3, 2] = bad;
        var input = Write("x.npy", NpyFixtures.Float32Matrix(values));

        var (exit, _, stderr) = Run("aggregate", "--rule", "median", "--in", input, "--out", Path.Combine(_directory, "out.npy"));

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains($"row 3, column 2 is {shown}", stderr);
        Assert.Contains(input, stderr);
    }

    [Theory]
    [InlineData(new[] { "--rule", "medain" }, "unknown aggregation rule 'medain'; known rules: mean, median, trimmed-mean")]
    [InlineData(new[] { "--rule", "median", "--f", "3" }, "median cannot tolerate f = 3 of n = 5: needs n > 2f")]
    [InlineData(new[] { "--rule", "mean", "--f", "6" }, "f = 6 Byzantine workers exceeds n = 5")]
    [InlineData(new[] { "--rule", "median", "--f", "-1" }, "must be >= 0")]
    [InlineData(new[] { "--rule", "median", "--param", "beta" }, "--param 'beta' is not KEY=VALUE")]
    [InlineData(new[] { "--rule", "median", "--param", "=1" }, "--param '=1' is not KEY=VALUE")]
    [InlineData(new[] { "--rule", "median", "--param", "beta=1", "--param", "beta=2" }, "--param 'beta' is given twice")]
    [InlineData(new[] { "--rule", "median", "--param", "beta=1" }, "median has no parameter 'beta'")]
    [InlineData(new[] { "--rule", "median", "--pre", "shuffle" }, "unknown pre-aggregation step 'shuffle'")]
    [InlineData(new[] { "--rule", "median", "--pre", "bucketing", "--param", "bucketing.size=3" }, "bucketing has no parameter 'size'")]
    [InlineData(new[] { "--rule", "median", "--shards", "0" }, "--shards must be at least 1")]
    [InlineData(new[] { "--rule", "median", "--repeat", "0" }, "--repeat must be at least 1")]
    public void An_invalid_request_exits_2_with_its_reason(string[] options, string reason)
    {
        var input = Write("x.npy", NpyFixtures.Float32Matrix(FiveWorkers));
        var output = Path.Combine(_directory, "out.npy");

        var (exit, stdout, stderr) = Run(["aggregate", .. options, "--in", input, "--out", output, "--json"]);

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains(reason, stderr);
        Assert.DoesNotContain("(Parameter", stderr);
        Assert.Equal("", stdout);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("--f", "many")]
    [InlineData("--shards", "2.5")]
    public void A_value_of_the_wrong_type_is_a_usage_error_with_exit_code_2(string option, string value)
    {
        var input = Write("x.npy", NpyFixtures.Float32Matrix(FiveWorkers));

        var (exit, _, stderr) = Run("aggregate", "--rule", "median", option, value, "--in", input, "--out", Path.Combine(_directory, "out.npy"));

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains(value, stderr);
    }

    [Fact]
    public void A_missing_required_option_is_a_usage_error_with_exit_code_2()
    {
        var input = Write("x.npy", NpyFixtures.Float32Matrix(FiveWorkers));

        var (exit, _, stderr) = Run("aggregate", "--in", input, "--out", Path.Combine(_directory, "out.npy"));

        Assert.Equal(Program.ExitInvalidInput, exit);
        Assert.Contains("--rule", stderr);
    }

    [Fact]
    public void A_missing_input_file_or_output_folder_exits_2_naming_it()
    {
        var input = Write("x.npy", NpyFixtures.Float32Matrix(FiveWorkers));
        var missingInput = Path.Combine(_directory, "nope.npy");
        var missingFolder = Path.Combine(_directory, "no-such-folder");

        var noInput = Run("aggregate", "--rule", "mean", "--in", missingInput, "--out", Path.Combine(_directory, "out.npy"));
        var noFolder = Run("aggregate", "--rule", "mean", "--in", input, "--out", Path.Combine(missingFolder, "out.npy"));

        Assert.Equal(Program.ExitInvalidInput, noInput.Exit);
        Assert.Contains(missingInput, noInput.Stderr);
        Assert.Equal(Program.ExitInvalidInput, noFolder.Exit);
        Assert.Contains(missingFolder, noFolder.Stderr);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static float[] ReadVector(string path)
    {
        using var stream = File.OpenRead(path);
        var header = NpyFile.ReadHeader(stream);
        Assert.Equal("<f4", header.Descr);
        Assert.Single(header.Shape);
        var data = new byte[stream.Length - stream.Position];
        stream.ReadExactly(data);
        Assert.Equal(header.Shape[0] * 4, data.Length);
        return Enumerable.Range(0, data.Length / 4).Select(i => BitConverter.ToSingle(data, i * 4)).ToArray();
    }

    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Program.Run(args, new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
