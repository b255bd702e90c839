namespace Dashboard.Server.Training.Datasets;

/// <summary>
/// Imported datasets kept where every host of a team reaches them (team mode: PostgreSQL). They are the truth about
/// which imported datasets exist; each host keeps a local copy of one by its content hash, fetched when first needed.
/// </summary>
public interface ISharedDatasets
{
    IReadOnlyList<DatasetManifest> List();

    /// <summary>Writes the dataset's files (as <see cref="ImportedDatasets"/> lays them out) into a new folder.</summary>
    void Download(DatasetManifest manifest, string folder);

    /// <summary>Stores a dataset folder made by an import on this host under its manifest's name and hash.</summary>
    void Publish(DatasetManifest manifest, string folder);

    bool Rename(string name, string newName);

    bool Delete(string name);
}
