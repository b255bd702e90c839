namespace Dashboard.Server.Training.Datasets;

/// <summary>Where datasets live (configuration section "Data", e.g. Data__Folder in the environment).</summary>
public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary>The data folder; relative paths are taken from the working directory.</summary>
    public string Folder { get; set; } = "data";

    /// <summary>The folder the command-line verbs default to: $Data__Folder, as the web host reads it, else ./data.</summary>
    public static string CommandLineDefault => Environment.GetEnvironmentVariable("Data__Folder") ?? new DataOptions().Folder;
}
