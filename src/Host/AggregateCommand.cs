using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FedActors.Aggregation;
using FedActors.Host.Npy;

namespace FedActors.Host;

/// <summary>What the aggregate command was asked to do, as given on the command line.</summary>
public sealed record AggregateRequest(
    string Rule,
    int F,
    IReadOnlyList<string> Parameters,
    IReadOnlyList<string> Pre,
    string InputPath,
    string OutputPath,
    int Shards = 1,
    int Repeat = 1,
    bool Json = false);

/// <summary>
/// The aggregate command: one rule (after optional pre-aggregation steps) applied to a matrix from a NumPy .npy file,
/// with no actor system: the aggregate is written as a 1-D float32 .npy, and the row weights, diagnostics and the
/// best time of the aggregation alone are printed, as one JSON object with --json.
/// </summary>
public static class AggregateCommand
{
    // The summary is for a glance; a longer list belongs in --json.
    private const int MaxWeightsListed = 16;

    public static Command Create()
    {
        var rule = new Option<string>("--rule") { Description = $"Aggregation rule: {string.Join(", ", AggregationRules.Names)}", Required = true };
        var f = new Option<int>("--f") { Description = "Byzantine rows the rule is told to tolerate (default 0)" };
        var parameters = new Option<string[]>("--param")
        {
            Description = "A rule parameter KEY=VALUE, or STEP.KEY=VALUE for a --pre step (repeatable)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var pre = new Option<string[]>("--pre")
        {
            Description = "A pre-aggregation step applied before the rule, in the order given (repeatable)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var input = new Option<FileInfo>("--in") { Description = "2-D .npy file (float32 or float64, C order), one row per worker", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the aggregate, a 1-D float32 .npy file", Required = true };
        var shards = new Option<int>("--shards") { Description = "Coordinate shards aggregated in parallel; the result does not depend on it", DefaultValueFactory = _ => 1 };
        var repeat = new Option<int>("--repeat") { Description = "Aggregate R times and report the best time", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a summary" };

        var command = new Command("aggregate", "Aggregate the rows of a NumPy .npy matrix with one rule, without running a simulation")
        {
            rule, f, parameters, pre, input, output, shards, repeat, json,
        };
        command.SetAction(parsed => Execute(
            new AggregateRequest(
                parsed.GetValue(rule)!,
                parsed.GetValue(f),
                parsed.GetValue(parameters) ?? [],
                parsed.GetValue(pre) ?? [],
                parsed.GetValue(input)!.FullName,
                parsed.GetValue(output)!.FullName,
                parsed.GetValue(shards),
                parsed.GetValue(repeat),
                parsed.GetValue(json)),
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Runs the command; returns <see cref="Program.ExitOk"/>, or <see cref="Program.ExitInvalidInput"/> after
    /// writing why to <paramref name="error"/>, or <see cref="Program.ExitRunFailed"/> when the aggregation itself fails.</summary>
    public static int Execute(AggregateRequest request, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(request);
        int Invalid(string message)
        {
            error.WriteLine($"fedactors aggregate: {message}");
            return Program.ExitInvalidInput;
        }

        if (request.Shards < 1)
            return Invalid($"--shards must be at least 1, got {request.Shards}");
        if (request.Repeat < 1)
            return Invalid($"--repeat must be at least 1, got {request.Repeat}");
        if (!TryParseParameters(request.Parameters, out var parameterValues, out var parameterProblem))
            return Invalid(parameterProblem);
        var outputDirectory = Path.GetDirectoryName(Path.GetFullPath(request.OutputPath));
        if (outputDirectory is not null && !Directory.Exists(outputDirectory))
            return Invalid($"{request.OutputPath}: the folder {outputDirectory} does not exist");

        NpyMatrix loaded;
        try
        {
            loaded = NpyFile.ReadMatrix(request.InputPath);
        }
        catch (Exception e) when (e is NpyFormatException or IOException or UnauthorizedAccessException)
        {
            return Invalid($"{request.InputPath}: {e.Message}");
        }
        var matrix = loaded.Matrix;
        if (FindNonFinite(matrix) is var (row, column, value))
            return Invalid(string.Create(CultureInfo.InvariantCulture,
                $"{request.InputPath}: row {row}, column {column} is {value}; aggregation needs finite values"));

        AggregationPipeline pipeline;
        try
        {
            pipeline = CreatePipeline(request, parameterValues, matrix.Rows);
        }
        catch (ArgumentException e)
        {
            return Invalid(ArgumentMessages.WithoutParameterSuffix(e));
        }

        var aggregate = new float[matrix.Columns];
        var report = new AggregationReport();
        var best = TimeSpan.MaxValue;
        // One passes object for every run, as the aggregator pool keeps one across rounds: its shard workspaces and
        // the buffers of mixed and selected rows are allocated by the first run, not timed again in the others.
        var passes = MatrixPasses.Local(matrix, request.Shards, checkFinite: false);
        try
        {
            for (var run = 0; run < request.Repeat; run++)
            {
                // A fresh pipeline per run, so a stateful rule's second run does not start from the first one's state.
                if (run > 0)
                    pipeline = CreatePipeline(request, parameterValues, matrix.Rows);
                var context = AggregationContext.ForMatrix(matrix.Rows, matrix.Columns);
                var clock = Stopwatch.StartNew();
                pipeline.AggregateAsync(passes, aggregate, context, report).GetAwaiter().GetResult();
                clock.Stop();
                if (clock.Elapsed < best)
                    best = clock.Elapsed;
            }
        }
        catch (ArgumentException e)
        {
            return Invalid($"{pipeline.Name}: {ArgumentMessages.WithoutParameterSuffix(e)}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArithmeticException)
        {
            error.WriteLine($"fedactors aggregate: {pipeline.Name} failed: {e.Message}");
            return Program.ExitRunFailed;
        }

        try
        {
            NpyFile.WriteVector(request.OutputPath, aggregate);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"fedactors aggregate: {request.OutputPath}: cannot write the aggregate: {e.Message}");
            return Program.ExitRunFailed;
        }

        if (request.Json)
            output.WriteLine(JsonSummary(request, loaded, pipeline, report, best));
        else
            WriteSummary(output, request, loaded, pipeline, report, best);
        return Program.ExitOk;
    }

    /// <summary>
    /// Builds the steps and the rule. <c>--param KEY=VALUE</c> is the rule's; <c>--param STEP.KEY=VALUE</c> belongs to the
    /// pre-aggregation step STEP, as the config's <c>aggregator.STEP { KEY = VALUE }</c>. Each factory rejects keys it
    /// does not read. The rule is told the row count it will see after the steps (bucketing shrinks it).
    /// </summary>
    private static AggregationPipeline CreatePipeline(AggregateRequest request, IReadOnlyDictionary<string, string> values, int n)
    {
        var pre = new List<IPreAggregator>();
        foreach (var step in request.Pre)
        {
            var prefix = step + ".";
            var stepValues = values.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(pair => pair.Key[prefix.Length..], pair => pair.Value);
            pre.Add(PreAggregators.Create(step, request.F, n, new RuleParameters(stepValues)));
        }
        var ruleValues = values.Where(pair => !request.Pre.Any(step => pair.Key.StartsWith(step + ".", StringComparison.Ordinal)))
            .ToDictionary(pair => pair.Key, pair => pair.Value);
        var rowsForRule = pre.Aggregate(n, (rows, step) => step.OutputRows(rows));
        return new AggregationPipeline(pre, AggregationRules.Create(request.Rule, request.F, rowsForRule, new RuleParameters(ruleValues)));
    }

    private static bool TryParseParameters(IReadOnlyList<string> assignments, out Dictionary<string, string> values, out string problem)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = "";
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problem = $"--param '{assignment}' is not KEY=VALUE";
                return false;
            }
            var key = assignment[..equals].Trim();
            if (key.Length == 0)
            {
                problem = $"--param '{assignment}' has an empty key";
                return false;
            }
            if (!values.TryAdd(key, assignment[(equals + 1)..].Trim()))
            {
                problem = $"--param '{key}' is given twice";
                return false;
            }
        }
        return true;
    }

    private static (int Row, int Column, float Value)? FindNonFinite(GradientMatrix matrix)
    {
        for (var i = 0; i < matrix.Rows; i++)
        {
            var row = matrix.RowView(i);
            for (var j = 0; j < row.Length; j++)
            {
                if (!float.IsFinite(row[j]))
                    return (i, j, row[j]);
            }
        }
        return null;
    }

    private static string JsonSummary(AggregateRequest request, NpyMatrix loaded, AggregationPipeline pipeline, AggregationReport report, TimeSpan best)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("rule", pipeline.Rule.Name);
            json.WriteStartArray("pre");
            foreach (var step in pipeline.Pre)
                json.WriteStringValue(step.Name);
            json.WriteEndArray();
            json.WriteNumber("n", loaded.Matrix.Rows);
            json.WriteNumber("d", loaded.Matrix.Columns);
            json.WriteNumber("f", request.F);
            json.WriteNumber("shards", request.Shards);
            json.WriteNumber("repeat", request.Repeat);
            json.WriteString("input_dtype", loaded.StoredAs == NpyDataType.Float32 ? "float32" : "float64");
            json.WriteNumber("elapsed_ms", best.TotalMilliseconds);
            json.WriteStartArray("weights");
            foreach (var weight in report.Weights)
            {
                if (double.IsNaN(weight))
                    json.WriteNullValue();
                else
                    json.WriteNumberValue(weight);
            }
            json.WriteEndArray();
            json.WriteNumber("iterations", report.Iterations);
            if (double.IsFinite(report.Objective))
                json.WriteNumber("objective", report.Objective);
            else
                json.WriteNull("objective");
            json.WriteBoolean("converged", report.Converged);
            json.WriteString("in", request.InputPath);
            json.WriteString("out", request.OutputPath);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteSummary(TextWriter output, AggregateRequest request, NpyMatrix loaded, AggregationPipeline pipeline,
        AggregationReport report, TimeSpan best)
    {
        var matrix = loaded.Matrix;
        var converted = loaded.StoredAs == NpyDataType.Float64 ? " (float64, rounded to float32)" : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{pipeline.Name} with f = {request.F} over {matrix.Rows} rows x {matrix.Columns} columns{converted}, {request.Shards} shard(s)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time: {best.TotalMilliseconds:0.###} ms (best of {request.Repeat})"));

        var weights = report.Weights.ToArray();
        if (weights.All(double.IsNaN))
            output.WriteLine("row weights: not measured by this rule");
        else if (weights.Length <= MaxWeightsListed)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"row weights: {string.Join(" ", weights.Select(w => double.IsNaN(w) ? "n/a" : w.ToString("0.####", CultureInfo.InvariantCulture)))} ({report.RowsDropped} of {matrix.Rows} rows dropped)"));
        else
            output.WriteLine($"row weights: {report.RowsDropped} of {matrix.Rows} rows dropped (--json lists every weight)");
        if (report.Iterations > 0 || double.IsFinite(report.Objective))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"iterations: {report.Iterations}, {(report.Converged ? "converged" : "stopped at the iteration cap")}, objective {report.Objective:G6}"));
        }
        output.WriteLine($"wrote {request.OutputPath} ({matrix.Columns} float32 values)");
    }
}
