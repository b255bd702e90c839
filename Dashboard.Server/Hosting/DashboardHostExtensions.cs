using Dashboard.Server.Apis;
using Dashboard.Server.Components;
using Dashboard.Server.Health;
using Dashboard.Server.Hubs;
using Dashboard.Server.Imports;
using Dashboard.Server.Inference;
using Dashboard.Server.Runs;
using Dashboard.Server.Samples;
using Dashboard.Server.Security;
using Dashboard.Server.Storage;
using Dashboard.Server.Sweeps;
using Dashboard.Server.Team;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Platform;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Samples;
using Dashboard.Shared.Sweeps;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Dashboard.Server.Hosting;

/// <summary>The host's wiring, so Program.cs reads like a table of contents.</summary>
public static class DashboardHostExtensions
{
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        // Package static assets (MudBlazor's CSS and JS) are served outside Development too.
        builder.WebHost.UseStaticWebAssets();
        // ASP.NET Core logs each request at Information: six console lines per page load or API poll. Requests are
        // logged from Warning up unless Logging__LogLevel__Microsoft.AspNetCore says otherwise; the dashboard's own lines
        // stay, and so does each refused Host header (a foreign name, as DNS rebinding sends, is worth a line).
        if (builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore"] is null)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.AspNetCore.HostFiltering", LogLevel.Information);
        }
        // A ceiling for every request body (the login form included); endpoints set lower ones.
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        var services = builder.Services;
        services.Configure<DataOptions>(builder.Configuration.GetSection(DataOptions.Section));
        services.Configure<RunsOptions>(builder.Configuration.GetSection(RunsOptions.Section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RunsOptions>>().Value);
        services.AddSingleton(sp => new DatasetCatalog(sp.GetRequiredService<IOptions<DataOptions>>().Value, sp.GetService<ISharedDatasets>()));
        services.AddSingleton<ISystemInfoService, SystemInfoService>();
        services.AddSingleton<DatasetExplorer>();
        services.AddSingleton<IDatasetExplorer>(sp => sp.GetRequiredService<DatasetExplorer>());
        services.AddSingleton<ITrainingCatalog, TrainingCatalog>();
        services.Configure<ImportLimits>(builder.Configuration.GetSection(ImportLimits.Section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ImportLimits>>().Value);
        services.AddSingleton<DatasetImports>();
        services.AddHostedService<ImportBroadcaster>();

        services.AddSingleton<SampleService>();
        services.AddScoped<ISampleService, GuardedSampleService>();
        services.AddSingleton<RunEvents>();
        services.AddSingleton<TrainingBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<TrainingBroadcaster>());
        var team = builder.Configuration.GetSection(TeamOptions.Section).Get<TeamOptions>() ?? new TeamOptions();
        if (team.IsWeb)
        {
            AddTeamFrontEnd(services, team);
        }
        else
        {
            AddSingleProcess(services);
        }
        // The pages get the guarded services (control needs the operator on a shared server);
        // the API uses the plain ones behind the "Operator" authorization policy.
        services.AddOperatorSecurity(builder.Configuration);
        services.AddScoped<IOperatorGate, OperatorGate>();
        services.AddScoped<IRunService, GuardedRunService>();
        services.AddScoped<ISweepService, GuardedSweepService>();
        services.AddScoped<ITrainerDirectory, GuardedTrainerDirectory>();
        services.AddScoped<IDatasetImports, GuardedDatasetImports>();
        services.AddSingleton<LearningRateService>();
        services.AddScoped<ILearningRateFinder, GuardedLearningRateFinder>();
        services.AddSingleton<PredictionService>();
        services.AddSingleton<IDigitClassifier>(sp => sp.GetRequiredService<PredictionService>());
        services.AddSingleton<XrayService>();
        services.AddSingleton<INetworkXray>(sp => sp.GetRequiredService<XrayService>());
        services.AddSingleton<RunInspector>();
        services.AddSingleton<IRunInspector>(sp => sp.GetRequiredService<RunInspector>());

        services.AddSignalR();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            // A storage fault is the server's, not the client's, but it says what is wrong (never a bare 500).
            if (c.Exception is { } e && Database.IsFault(e))
            {
                c.ProblemDetails.Title = $"Storage is unavailable: {e.Message}";
            }
        });
        services.AddDashboardHealthChecks(team.IsWeb);
        // The Draw page sends its 280x280 canvas (78 KB) over the circuit; the default limit is 32 KB.
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 128 * 1024);
        // Bottom right: a run's end is announced on every page, and at the top it covered the bar's and pages' buttons.
        services.AddMudServices(config => config.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        return builder;
    }

    /// <summary>Role all: runs in SQLite, trained in this process by the run queue.</summary>
    private static void AddSingleProcess(IServiceCollection services)
    {
        services.AddSingleton(sp => new Database(sp.GetRequiredService<RunsOptions>().DatabasePath));
        services.AddSingleton<RunStore>();
        services.AddSingleton<ISampleStore, SampleStore>();
        services.AddSingleton(sp => new Trainer(sp.GetRequiredService<DatasetCatalog>(), sp.GetRequiredService<SampleService>().TrainingImages));
        services.AddSingleton<RunRecorder>();
        // Listeners are told in registration order: an epoch is stored before anyone hears of it,
        // and the charts' SignalR message leaves before the pages' Blazor re-render is queued.
        services.AddSingleton<IRunListener>(sp => sp.GetRequiredService<RunRecorder>());
        AddListeners(services);
        services.AddSingleton(sp => new RunQueue(
            sp.GetRequiredService<Trainer>(),
            sp.GetServices<IRunListener>(),
            sp.GetRequiredService<RunsOptions>().FilesOf,
            sp.GetRequiredService<ILogger<RunQueue>>()));
        // Stopped before the broadcaster (reverse order), which then still forwards the final events.
        services.AddHostedService(sp => sp.GetRequiredService<RunQueue>());
        services.AddSingleton<RunService>();
        services.AddSingleton<IRunControl>(sp => sp.GetRequiredService<RunService>());
        services.AddSingleton(new TrainerDirectory(null, new TeamOptions()));
        services.AddSingleton<ISweepStore, SweepStore>();
        services.AddSingleton<ISweepOwner, SingleProcessSweepOwner>();
        AddSweeps(services);
    }

    /// <summary>The sweep owner over this host's run service; started after the run queue, so stopped before it.</summary>
    private static void AddSweeps(IServiceCollection services)
    {
        services.AddSingleton<SweepService>();
        services.AddHostedService(sp => sp.GetRequiredService<SweepService>());
    }

    /// <summary>Role web: runs in the team's PostgreSQL, trained by trainer hosts; events read from the store.</summary>
    private static void AddTeamFrontEnd(IServiceCollection services, TeamOptions team)
    {
        services.AddSingleton(team);
        services.AddSingleton(_ => new TeamStore(team.Postgres ?? throw new InvalidOperationException(
            "Team__Role is web but Team__Postgres (the team database's connection string) is not set."), team.TrainerRole));
        services.AddSingleton<ISampleStore, TeamSampleStore>();
        // Imported datasets live in the team database; this front-end keeps local copies by hash.
        services.AddSingleton<ISharedDatasets>(sp => new TeamDatasets(team.Postgres!, team.TrainerRole));
        if (!string.IsNullOrWhiteSpace(team.Redis))
        {
            services.AddSingleton(_ => new TeamSignals(team.Redis));
        }
        AddListeners(services);
        services.AddHostedService<TeamEvents>();
        services.AddSingleton<IRunControl, TeamRunService>();
        services.AddSingleton(sp => new TrainerDirectory(sp.GetRequiredService<TeamStore>(), team));
        // The sweeps' tables are made with the runs' (TeamStore), so the store is asked for first.
        services.AddSingleton<ISweepStore>(sp =>
        {
            sp.GetRequiredService<TeamStore>();
            return new TeamSweepStore(team.Postgres!);
        });
        services.AddSingleton<ISweepOwner>(_ => new TeamSweepOwner(team.Postgres!, team.Watch));
        AddSweeps(services);
        // One key ring for all front-ends: a login cookie or antiforgery token from one is good on the others.
        services.AddDataProtection().SetApplicationName("training-dashboard");
        services.AddOptions<KeyManagementOptions>().Configure<TeamStore>((o, store) => o.XmlRepository = new TeamKeyRepository(store));
    }

    private static void AddListeners(IServiceCollection services)
    {
        services.AddSingleton<IRunListener, RunLog>();
        services.AddSingleton<IRunListener>(sp => sp.GetRequiredService<TrainingBroadcaster>());
        services.AddSingleton<IRunListener>(sp => sp.GetRequiredService<RunEvents>());
    }

    public static WebApplication UseDashboard(this WebApplication app)
    {
        // What an interrupted import, delete or upload left behind.
        app.Services.GetRequiredService<DatasetCatalog>().Imported.RemovePartial();
        var explorer = app.Services.GetRequiredService<DatasetExplorer>();
        app.Services.GetRequiredService<DatasetImports>().Removed += explorer.Forget;
        // Nothing trains before start-up: whatever the last process left running was interrupted.
        if (app.Services.GetService<RunQueue>() is not null)
        {
            app.Services.GetRequiredService<RunStore>().MarkInterrupted(DateTimeOffset.UtcNow);
        }
        // Unreadable request bodies (malformed JSON, wrong types) are the client's error: 400, not 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                _ when Database.IsFault(e) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        app.UseStatusCodePages();
        app.UseDashboardSecurity();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapCatalogApi();
        app.MapDatasetsApi();
        app.MapRunsApi();
        app.MapSweepsApi();
        app.MapPredictApi();
        app.MapInspectApi();
        app.MapSamplesApi();
        app.MapTrainersApi();
        app.MapLearningRateApi();
        app.MapXrayApi();
        app.MapOperatorLogin();
        app.MapDashboardHealthChecks();
        app.MapHub<TrainingHub>(TrainingHub.Path);
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .AddAdditionalAssemblies(typeof(Dashboard.Client.Routes).Assembly);
        return app;
    }
}
