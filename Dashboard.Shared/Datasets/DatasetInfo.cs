using Dashboard.Shared.Networks;

namespace Dashboard.Shared.Datasets;

/// <summary>
/// A dataset the dashboard knows, and whether its files are in the data folder. An imported one also says how its
/// pictures were made (<see cref="Pictures"/>: what a picture to classify goes through) and its content hash.
/// </summary>
public sealed record DatasetInfo(
    string Name,
    string Title,
    TensorShape Shape,
    IReadOnlyList<string> Classes,
    string Folder,
    bool Available,
    string? Problem,
    PictureFormat? Pictures = null,
    string? Hash = null)
{
    public bool Imported => Pictures is not null;
}
