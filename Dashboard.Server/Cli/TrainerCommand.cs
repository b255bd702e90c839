using Dashboard.Server.Team;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Cli;

/// <summary>
/// The trainer role: <c>dotnet Dashboard.Server.dll trainer</c> with Team__Postgres set (and
/// optionally Data__Folder, Team__TrainerName, Team__LeaseSeconds, ...). No pages and no port: it
/// takes runs from the team's PostgreSQL queue and trains them until stopped (SIGTERM or Ctrl+C
/// give its run back to the queue). Exit codes: 0 stopped, 2 bad configuration.
/// </summary>
public static class TrainerCommand
{
    public static int Run(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        var builder = Host.CreateApplicationBuilder(args);
        var team = builder.Configuration.GetSection(TeamOptions.Section).Get<TeamOptions>() ?? new TeamOptions();
        if (string.IsNullOrWhiteSpace(team.Postgres))
        {
            error.WriteLine("error: trainer: the team database is not configured; set Team__Postgres to its connection string (see docs/team.md).");
            return 2;
        }
        if (team.RenewSeconds <= 0 || team.LeaseSeconds < 2 * team.RenewSeconds || team.PollSeconds <= 0 || team.MaxLosses < 1)
        {
            error.WriteLine($"error: trainer: need RenewSeconds > 0, LeaseSeconds >= 2 x RenewSeconds, PollSeconds > 0 and MaxLosses >= 1; got {team.RenewSeconds}, {team.LeaseSeconds}, {team.PollSeconds} and {team.MaxLosses}.");
            return 2;
        }
        var services = builder.Services;
        services.Configure<DataOptions>(builder.Configuration.GetSection(DataOptions.Section));
        services.AddSingleton(team);
        // The team's imported datasets, fetched into this host's data folder when a run first needs one.
        services.AddSingleton(sp => new DatasetCatalog(sp.GetRequiredService<IOptions<DataOptions>>().Value, new TeamDatasets(team.Postgres)));
        services.AddSingleton(_ => new TeamStore(TeamStore.ForTrainer(team.Postgres, team.Lease)));
        // A run with IncludeSamples trains on the samples saved on any front-end.
        services.AddSingleton(sp => new Samples.SampleService(new TeamSampleStore(sp.GetRequiredService<TeamStore>()), sp.GetRequiredService<DatasetCatalog>()));
        services.AddSingleton(sp => new Trainer(sp.GetRequiredService<DatasetCatalog>(), sp.GetRequiredService<Samples.SampleService>().TrainingImages));
        if (!string.IsNullOrWhiteSpace(team.Redis))
        {
            services.AddSingleton(_ => new TeamSignals(team.Redis));
        }
        services.AddHostedService<TrainerHost>();
        // A trainer stopping mid-batch needs a moment to give its run back.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        try
        {
            builder.Build().Run();
            return 0;
        }
        catch (Exception e) when (TeamStore.IsFault(e))
        {
            error.WriteLine($"error: trainer: the team database cannot be reached: {e.Message}");
            return 1;
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.InsufficientPrivilege)
        {
            error.WriteLine($"error: trainer: this login may not do what a trainer does ({e.MessageText}); start a web front-end first, " +
                "which creates the tables and grants them to Team__TrainerRole (docs/team.md).");
            return 1;
        }
    }
}
