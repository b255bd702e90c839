using System.Collections.Concurrent;
using Dashboard.Server.Inference;
using Dashboard.Server.Runs;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;

namespace Dashboard.Server.Imports;

/// <summary>Where an import's pictures are: an uploaded file (a zip or a CSV, kept until the import ends) or a folder on the server.</summary>
public sealed record ImportSource(string? UploadedFile = null, string? UploadedName = null, string? Folder = null);

/// <summary>An import that started (202) or why it could not (errors keyed by field; Conflict when the name or the dataset is busy).</summary>
public sealed record StartImportResult(DatasetImport? Import, IReadOnlyDictionary<string, string[]>? Errors, bool Conflict = false);

/// <summary>
/// The imports of this server: each runs on its own thread, reports progress (at most four times a second) and its end
/// through <see cref="Changed"/>, can be cancelled, and leaves either a whole dataset or nothing. Also renames and
/// deletes imported datasets, never while a run uses one.
/// </summary>
public sealed class DatasetImports(DatasetCatalog catalog, ImportLimits limits, IRunControl runs, ILogger<DatasetImports> logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (string File, string Name, DateTimeOffset At)> _uploads = new();

    /// <summary>An import's progress (throttled) or its end. Raised on the import's thread.</summary>
    public event Action<DatasetImport>? Changed;

    /// <summary>A dataset was renamed or deleted (its name).</summary>
    public event Action<string>? Removed;

    private sealed class Job(DatasetImport state, CancellationTokenSource cancel)
    {
        public DatasetImport State { get; set; } = state;
        public CancellationTokenSource Cancel { get; } = cancel;
        public DateTimeOffset LastSent { get; set; }
    }

    private string UploadFolder => Path.Combine(catalog.Imported.Root, ImportedDatasets.PartialPrefix + "uploads");

    /// <summary>The imports running now and those that failed or were cancelled since the server started.</summary>
    public IReadOnlyList<DatasetImport> Recent() => [.. _jobs.Values.Select(j => j.State).Where(s => s.Status != ImportStatus.Ready).OrderBy(s => s.Started)];

    /// <summary>An import by its dataset's name: running, failed or cancelled here, else a ready dataset's record; null when unknown.</summary>
    public DatasetImport? Get(string name)
    {
        if (_jobs.TryGetValue(name, out var job) && job.State.Status != ImportStatus.Ready)
        {
            return job.State;
        }
        return catalog.FindImported(name) is { } m
            ? new DatasetImport(m.Name, ImportStatus.Ready, m.Train + m.Validation + m.Test, m.Train + m.Validation + m.Test, 0, 0, null, m.Format, m.Report,
                m.Created, m.Created)
            : null;
    }

    /// <summary>A look at a folder on the server: its pictures, classes, sizes and colour, and the options proposed.</summary>
    public ImportSurvey SurveyFolder(string folder, CancellationToken cancellation = default)
    {
        using var source = new FolderSource(folder, limits);
        return new DatasetImporter(catalog.Imported, limits).Survey(source, SuggestedName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), cancellation);
    }

    /// <summary>Keeps an uploaded archive or CSV (already on disk) for a later import and surveys it; its id names it.</summary>
    public (string Upload, ImportSurvey Survey) Survey(string file, string name, CancellationToken cancellation)
    {
        using var source = PictureSource.Open(file, name, limits);
        var survey = new DatasetImporter(catalog.Imported, limits).Survey(source, SuggestedName(name), cancellation);
        var id = Guid.NewGuid().ToString("N");
        _uploads[id] = (file, name, DateTimeOffset.UtcNow);
        ForgetOldUploads();
        return (id, survey);
    }

    /// <summary>Where uploads are streamed to before they are surveyed or imported.</summary>
    public string NewUploadFile()
    {
        Directory.CreateDirectory(UploadFolder);
        return Path.Combine(UploadFolder, Guid.NewGuid().ToString("N"));
    }

    /// <summary>The file an upload id names, or null.</summary>
    public (string File, string Name)? Upload(string id) => _uploads.TryGetValue(id, out var u) ? (u.File, u.Name) : null;

    /// <summary>A JSON or page request: from an upload's id or a folder on the server.</summary>
    public StartImportResult Start(ImportRequest request)
    {
        if ((request.Upload is null) == (request.Folder is null))
        {
            return new StartImportResult(null, new Dictionary<string, string[]>
            {
                ["upload"] = ["give either upload (an id from POST /api/datasets/uploads) or folder (a folder on the server), not both or neither."],
            });
        }
        if (request.Upload is { } id)
        {
            return Upload(id) is { } upload
                ? Start(request, new ImportSource(upload.File, upload.Name))
                : new StartImportResult(null, new Dictionary<string, string[]> { ["upload"] = [$"no upload has the id '{id}' (uploads are kept an hour)."] });
        }
        return Start(request, new ImportSource(Folder: request.Folder));
    }

    public StartImportResult Start(ImportOptions options, ImportSource from)
    {
        var errors = DatasetImporter.Problems(options);
        if (catalog.NameProblem(options.Name) is { } nameProblem)
        {
            return new StartImportResult(null, new Dictionary<string, string[]>(errors) { ["name"] = [nameProblem] }, Conflict: errors.Count == 0 && nameProblem.Contains("exists"));
        }
        if (errors.Count > 0)
        {
            return new StartImportResult(null, errors);
        }
        PictureSource source;
        try
        {
            source = from.Folder is { } folder ? new FolderSource(folder, limits) : PictureSource.Open(from.UploadedFile!, from.UploadedName ?? "upload", limits);
        }
        catch (Exception e) when (e is FileNotFoundException)
        {
            return new StartImportResult(null, new Dictionary<string, string[]> { ["upload"] = ["the upload is gone (an import of it ended); upload it again."] });
        }
        catch (ImportException e)
        {
            return new StartImportResult(null, new Dictionary<string, string[]> { [from.Folder is null ? "archive" : "folder"] = [e.Message] });
        }
        try
        {
            source.List();
        }
        catch (ImportException e)
        {
            source.Dispose();
            return new StartImportResult(null, new Dictionary<string, string[]> { [from.Folder is null ? "archive" : "folder"] = [e.Message] });
        }
        var started = new DatasetImport(options.Name, ImportStatus.Importing, 0, source.List().Paths.Count, 0, null, null, null, null, DateTimeOffset.UtcNow, null);
        var job = new Job(started, new CancellationTokenSource());
        // One import a name at a time, decided here; the name check above may race with another start.
        if (!_jobs.TryAdd(options.Name, job) && !Replace(options.Name, job))
        {
            source.Dispose();
            return new StartImportResult(null, new Dictionary<string, string[]> { ["name"] = [$"'{options.Name}' is being imported already."] }, Conflict: true);
        }
        var thread = new Thread(() => Run(job, source, options, from)) { IsBackground = true, Name = $"import {options.Name}" };
        thread.Start();
        logger.LogInformation("Import of {Name} from {Source} started", options.Name, source.Description);
        return new StartImportResult(started, null);
    }

    public bool Cancel(string name)
    {
        if (!_jobs.TryGetValue(name, out var job) || job.State.Status != ImportStatus.Importing)
        {
            return false;
        }
        job.Cancel.Cancel();
        return true;
    }

    /// <summary>Deletes a dataset (or forgets a failed or cancelled import); else why not: NotFound, or a conflict's problem.</summary>
    public (bool NotFound, string? Problem) Delete(string name)
    {
        if (InUse(name) is { } problem)
        {
            return (false, problem);
        }
        var forgotten = _jobs.TryRemove(name, out _);
        var shared = catalog.Shared?.Delete(name) ?? false;
        if (!catalog.Imported.Delete(name) && !shared && !forgotten)
        {
            return (true, $"No imported dataset is named '{name}'.");
        }
        Removed?.Invoke(name);
        return (false, null);
    }

    public (bool NotFound, string? Problem) Rename(string name, string newName)
    {
        if (catalog.FindImported(name) is null)
        {
            return (true, $"No imported dataset is named '{name}'.");
        }
        if (InUse(name) is { } problem)
        {
            return (false, problem);
        }
        if (catalog.NameProblem(newName) is { } nameProblem)
        {
            return (false, nameProblem);
        }
        catalog.Shared?.Rename(name, newName);
        if (catalog.Imported.Find(name) is not null)
        {
            catalog.Imported.Rename(name, newName);
        }
        Removed?.Invoke(name);
        return (false, null);
    }

    /// <summary>Why the dataset cannot be renamed or deleted now, or null.</summary>
    private string? InUse(string name)
    {
        if (_jobs.TryGetValue(name, out var job) && job.State.Status == ImportStatus.Importing)
        {
            return $"'{name}' is being imported; cancel the import first.";
        }
        var using_ = runs.Active().Where(r => string.Equals(r.Config.Dataset, name, StringComparison.OrdinalIgnoreCase)).Select(r => $"#{r.Id}").ToList();
        return using_.Count > 0 ? $"'{name}' is used by run(s) {string.Join(", ", using_)} that are queued or training; wait for them or stop them first." : null;
    }

    private bool Replace(string name, Job job)
    {
        // A failed or cancelled import of the same name makes way for a new one.
        return _jobs.TryGetValue(name, out var old) && old.State.Status != ImportStatus.Importing && _jobs.TryUpdate(name, job, old);
    }

    private void Run(Job job, PictureSource source, ImportOptions options, ImportSource from)
    {
        Func<DatasetImport, DatasetImport> ending;
        try
        {
            var progress = new Progress(this, job);
            var manifest = new DatasetImporter(catalog.Imported, limits).Import(source, options, progress, job.Cancel.Token);
            if (catalog.Shared is { } team)
            {
                try
                {
                    // Ready only once every host of the team can have it.
                    team.Publish(manifest, catalog.Imported.FolderOf(manifest.Name));
                }
                catch
                {
                    catalog.Imported.Delete(manifest.Name);
                    throw;
                }
            }
            ending = s => s with { Status = ImportStatus.Ready, Done = s.Total, Format = manifest.Format, Report = manifest.Report, EtaSeconds = 0 };
            logger.LogInformation("Import of {Name} ready: {Train} training, {Test} test pictures", options.Name, manifest.Train, manifest.Test);
        }
        catch (OperationCanceledException)
        {
            ending = s => s with { Status = ImportStatus.Cancelled, Error = "Cancelled; nothing was written." };
        }
        catch (Exception e) when (e is ImportException or ImageRejectedException or DatasetException or IOException or UnauthorizedAccessException or InvalidDataException
            || Team.TeamStore.IsFault(e))
        {
            ending = s => s with { Status = ImportStatus.Failed, Error = e.Message };
            logger.LogWarning("Import of {Name} failed: {Error}", options.Name, e.Message);
        }
        catch (Exception e)
        {
            ending = s => s with { Status = ImportStatus.Failed, Error = $"The import failed unexpectedly: {e.Message}" };
            logger.LogError(e, "Import of {Name} failed", options.Name);
        }
        // The upload goes before anyone hears of the end: a client told the import ended finds its upload id gone.
        source.Dispose();
        if (from.UploadedFile is { } file)
        {
            foreach (var (id, _) in _uploads.Where(u => u.Value.File == file).ToList())
            {
                _uploads.TryRemove(id, out _);
            }
            TryDelete(file);
        }
        End(job, ending);
    }

    private void End(Job job, Func<DatasetImport, DatasetImport> change)
    {
        job.State = change(job.State) with { Ended = DateTimeOffset.UtcNow };
        Changed?.Invoke(job.State);
    }

    private sealed class Progress(DatasetImports imports, Job job) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress p)
        {
            var rate = p.Done / Math.Max(p.Elapsed.TotalSeconds, 1e-3);
            lock (job)
            {
                job.State = job.State with { Done = p.Done, Total = p.Total, PicturesPerSecond = rate, EtaSeconds = (p.Total - p.Done) / Math.Max(rate, 1e-3) };
                var now = DateTimeOffset.UtcNow;
                if (now - job.LastSent < ProgressInterval && p.Done != p.Total)
                {
                    return;
                }
                job.LastSent = now;
            }
            imports.Changed?.Invoke(job.State);
        }
    }

    /// <summary>Uploads surveyed more than an hour ago and never imported are deleted.</summary>
    private void ForgetOldUploads()
    {
        foreach (var (id, upload) in _uploads.Where(u => DateTimeOffset.UtcNow - u.Value.At > TimeSpan.FromHours(1)).ToList())
        {
            if (_uploads.TryRemove(id, out _))
            {
                TryDelete(upload.File);
            }
        }
    }

    /// <summary>A dataset name from a file name: its letters, digits, '-' and '_'.</summary>
    private static string SuggestedName(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var name = new string([.. stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]).Trim('-');
        return name.Length == 0 ? "pictures" : name[..Math.Min(name.Length, ImportOptions.MaxNameLength)];
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // The uploads folder is emptied at the next start.
        }
    }
}
