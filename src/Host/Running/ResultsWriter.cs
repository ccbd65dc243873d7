using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using FedActors.Actors;
using FedActors.Host.Configuration;

namespace FedActors.Host.Running;

/// <summary>Writes config.conf (the fully resolved experiment) and summary.json into a results folder.</summary>
public static class ResultsWriter
{
    /// <summary>
    /// Every fedactors key of reference.conf with the value this run used, "auto" replaced by what it resolved to, so
    /// <c>fedactors run config.conf</c> repeats the run exactly.
    /// </summary>
    public static string ResolvedConfig(Config merged, ExperimentSettings settings)
    {
        var resolved = ConfigurationFactory.ParseString(string.Join('\n',
            $"fedactors.seed.data = {settings.DataSeed.ToString(CultureInfo.InvariantCulture)}",
            $"fedactors.seed.training = {settings.TrainingSeed.ToString(CultureInfo.InvariantCulture)}",
            $"fedactors.aggregator.f = {settings.Aggregator.F.ToString(CultureInfo.InvariantCulture)}")).WithFallback(merged);
        var text = new StringBuilder();
        text.AppendLine("# Resolved configuration of this run: every key, with the value used. Repeat the run with");
        text.AppendLine("#   fedactors run config.conf");
        Render(text, "fedactors", ExperimentConfig.Reference.GetValue("fedactors"), resolved, 0);
        return text.ToString();
    }

    private static void Render(StringBuilder text, string path, HoconValue reference, Config values, int depth)
    {
        var indent = new string(' ', depth * 2);
        var key = path[(path.LastIndexOf('.') + 1)..];
        if (reference.IsObject())
        {
            text.Append(indent).Append(key).AppendLine(" {");
            foreach (var child in reference.GetObject().Items.Keys)
                Render(text, $"{path}.{child}", reference.GetObject().Items[child], values, depth + 1);
            text.Append(indent).AppendLine("}");
            return;
        }
        var value = values.GetValue(path);
        // Akka's HOCON reports an empty list as neither an array nor a string.
        var rendered = value.IsArray() ? "[" + string.Join(", ", value.GetArray().Select(item => Quote(item.GetString()))) + "]"
            : value.IsString() ? Quote(value.GetString())
            : "[]";
        text.Append(indent).Append(key).Append(" = ").AppendLine(rendered);
    }

    /// <summary>Leaves plain words and numbers bare (as a person writes HOCON), quotes anything else.</summary>
    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
            ? value
            : JsonSerializer.Serialize(value);

    public static void WriteSummary(string path, ExperimentSettings settings, IEnumerable<int> byzantineIds, RunOutcome outcome,
        double wallSeconds, string command)
    {
        var last = outcome.Completed?.LastRound;
        var summary = new Dictionary<string, object?>
        {
            ["name"] = settings.Name,
            ["status"] = outcome.Succeeded ? "completed" : "failed",
            ["failure"] = outcome.Failed?.Reason,
            ["rounds"] = settings.Rounds,
            ["final"] = last is null ? null : new Dictionary<string, object?>
            {
                ["round"] = last.Round,
                ["train_loss"] = FiniteOrNull(last.TrainLoss),
                ["param_error"] = FiniteOrNull(last.ParamError),
                ["test_accuracy"] = FiniteOrNull(last.TestAccuracy),
            },
            ["rejected_reports"] = outcome.Completed?.RejectionsByReason
                .OrderBy(pair => pair.Key)
                .ToDictionary(pair => ReasonName(pair.Key), pair => pair.Value),
            ["seeds"] = new Dictionary<string, ulong>
            {
                ["base"] = settings.BaseSeed,
                ["data"] = settings.DataSeed,
                ["training"] = settings.TrainingSeed,
            },
            ["byzantine_ids"] = byzantineIds.ToArray(),
            ["wall_seconds"] = Math.Round(wallSeconds, 3),
            ["command"] = command,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>JSON has no NaN or infinity; a diverged loss is written as null.</summary>
    private static double? FiniteOrNull(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static string ReasonName(RejectionReason reason) => reason switch
    {
        RejectionReason.StaleRound => "stale_round",
        RejectionReason.Late => "late",
        RejectionReason.UnknownSender => "unknown_sender",
        RejectionReason.Duplicate => "duplicate",
        RejectionReason.WrongLength => "wrong_length",
        RejectionReason.NonFinite => "non_finite",
        _ => reason.ToString(),
    };
}
