using Dashboard.Shared.Networks;

namespace Dashboard.Shared.Datasets;

/// <summary>A dataset the dashboard knows, and whether its files are in the data folder.</summary>
public sealed record DatasetInfo(
    string Name,
    string Title,
    TensorShape Shape,
    IReadOnlyList<string> Classes,
    string Folder,
    bool Available,
    string? Problem);
