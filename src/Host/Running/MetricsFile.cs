using System.Globalization;

namespace FedActors.Host.Running;

/// <summary>The columns of one metrics.csv row that tables and plots use; a column left empty is null.</summary>
public sealed record MetricsRow(int Round, double TrainLoss, double? ParamError, double? TestAccuracy);

/// <summary>
/// Reads a metrics.csv back (the format <c>MetricsActor</c> writes). Columns are found by name, so a file with more
/// columns still reads. Doubles were written with round-trip formatting, so the values read are the values computed,
/// NaN and infinities included.
/// </summary>
public static class MetricsFile
{
    public const string FileName = "metrics.csv";

    /// <summary>Throws <see cref="InvalidDataException"/> naming the file and line at fault.</summary>
    public static IReadOnlyList<MetricsRow> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0)
            throw new InvalidDataException($"{path}: empty file, expected a header line");
        var header = lines[0].Split(',');
        int Column(string name)
        {
            var index = Array.IndexOf(header, name);
            return index >= 0 ? index : throw new InvalidDataException($"{path}: no '{name}' column in the header");
        }
        var round = Column("round");
        var trainLoss = Column("train_loss");
        var paramError = Column("param_error");
        var testAccuracy = Column("test_accuracy");

        var rows = new List<MetricsRow>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var fields = lines[i].Split(',');
            if (fields.Length != header.Length)
                throw new InvalidDataException($"{path}, line {i + 1}: {fields.Length} fields, the header has {header.Length}");
            string Field(int column) => fields[column];
            double? Value(int column)
            {
                var text = Field(column);
                if (text.Length == 0)
                    return null;
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new InvalidDataException($"{path}, line {i + 1}: '{header[column]}' is '{text}', not a number");
            }
            if (!int.TryParse(Field(round), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                throw new InvalidDataException($"{path}, line {i + 1}: 'round' is '{Field(round)}', not a round number");
            // A round with no honest report has no loss to average; it is not a number either way.
            rows.Add(new MetricsRow(number, Value(trainLoss) ?? double.NaN, Value(paramError), Value(testAccuracy)));
        }
        return rows;
    }
}
