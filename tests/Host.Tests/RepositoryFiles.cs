namespace FedActors.Host.Tests;

internal static class RepositoryFiles
{
    /// <summary>The checkout's root, found from the test binary's folder, so tests run the experiment files users run.</summary>
    public static string Root { get; } = FindRoot();

    public static string Experiment(string name) => Path.Combine(Root, "hocon", "experiments", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FedActors.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no FedActors.sln above {AppContext.BaseDirectory}");
    }

    public static string NewTemporaryDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "fedactors-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
