using Dashboard.Server.Imports;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Server.Hubs;

/// <summary>Sends every import's progress and end to every hub client, off the import's thread and in order.</summary>
public sealed class ImportBroadcaster(DatasetImports imports, IHubContext<TrainingHub, ITrainingClient> hub, ILogger<ImportBroadcaster> logger) : BackgroundService
{
    private readonly System.Threading.Channels.Channel<DatasetImport> _pending =
        System.Threading.Channels.Channel.CreateUnbounded<DatasetImport>(new() { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        void Queue(DatasetImport import) => _pending.Writer.TryWrite(import);
        imports.Changed += Queue;
        try
        {
            await foreach (var import in _pending.Reader.ReadAllAsync(stopping))
            {
                try
                {
                    await (import.Status == ImportStatus.Importing ? hub.Clients.All.ImportProgress(import) : hub.Clients.All.ImportEnded(import));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not send the import of {Name} to the hub's clients", import.Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        finally
        {
            imports.Changed -= Queue;
        }
    }
}
