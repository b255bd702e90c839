using System.Text.Json;
using Dashboard.Server.Storage;
using Dashboard.Server.Torch;
using Dashboard.Server.Training.Datasets;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dashboard.Server.Health;

/// <summary>/healthz: the database (SQLite, or a team front-end's PostgreSQL) answers, the data folder has datasets, libtorch is loaded.</summary>
public static class HealthChecks
{
    public const string Path = "/healthz";

    public static IServiceCollection AddDashboardHealthChecks(this IServiceCollection services, bool team)
    {
        var checks = services.AddHealthChecks();
        _ = team ? checks.AddCheck<TeamDatabaseCheck>("database") : checks.AddCheck<DatabaseCheck>("database");
        checks.AddCheck<DataFolderCheck>("data")
            .AddCheck<TorchCheck>("libtorch");
        return services;
    }

    public static IEndpointRouteBuilder MapDashboardHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(Path, new HealthCheckOptions { ResponseWriter = Write }).WithTags("Health");
        return app;
    }

    // The default writer prints one word; this one says what each check found.
    private static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }

    private sealed class DatabaseCheck(Database database) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var connection = database.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT COUNT(*) FROM runs";
                return Task.FromResult(HealthCheckResult.Healthy($"{database.Path}: {command.ExecuteScalar()} runs"));
            }
            catch (Exception e) when (Database.IsFault(e))
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"{database.Path}: {e.Message}"));
            }
        }
    }

    // A load balancer takes a front-end out when this fails; the connection string is never shown.
    private sealed class TeamDatabaseCheck(Team.TeamStore store) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return Task.FromResult(HealthCheckResult.Healthy($"team PostgreSQL: newest run {store.LatestId()}"));
            }
            catch (Exception e) when (Database.IsFault(e))
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"team PostgreSQL: {e.Message}"));
            }
        }
    }

    private sealed class DataFolderCheck(DatasetCatalog datasets) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var available = datasets.List().Where(d => d.Available).Select(d => d.Name).ToList();
            return Task.FromResult(available.Count > 0
                ? HealthCheckResult.Healthy($"{datasets.Folder}: {string.Join(", ", available)}")
                : HealthCheckResult.Degraded($"{datasets.Folder}: no dataset installed; run scripts/setup.sh."));
        }
    }

    private sealed class TorchCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return Task.FromResult(HealthCheckResult.Healthy(
                    $"libtorch {TorchRuntime.Version}, {TorchRuntime.Threads} threads, {TorchRuntime.CudaDeviceCount} CUDA devices"));
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"libtorch did not load: {e.Message}"));
            }
        }
    }
}
