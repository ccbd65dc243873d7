namespace FedActors.Host;

internal static class ArgumentMessages
{
    /// <summary>
    /// The exception's message without the " (Parameter 'f')" that ArgumentException appends: a C# parameter name means
    /// nothing to someone editing a config file or typing an option.
    /// </summary>
    public static string WithoutParameterSuffix(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
