namespace Dashboard.Server.Training.Datasets;

/// <summary>Where datasets live (configuration section "Data", e.g. Data__Folder in the environment).</summary>
public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary>The data folder; relative paths are taken from the working directory.</summary>
    public string Folder { get; set; } = "data";
}
