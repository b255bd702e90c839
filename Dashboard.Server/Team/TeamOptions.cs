namespace Dashboard.Server.Team;

/// <summary>
/// Team mode (configuration section "Team", e.g. Team__Postgres in the environment): runs, their
/// queue and their files in a shared PostgreSQL, trained by trainer hosts that lease them.
/// </summary>
public sealed class TeamOptions
{
    public const string Section = "Team";

    /// <summary>What the server program does: <c>all</c> (the single process with SQLite, the default) or <c>web</c>
    /// (a team front-end: pages, API and hub over <see cref="Postgres"/>, no training). Trainers run the <c>trainer</c> verb.</summary>
    public string Role { get; set; } = "all";

    /// <summary>The Npgsql connection string of the shared database. Never logged or shown.</summary>
    public string? Postgres { get; set; }

    /// <summary>
    /// Optional Redis (StackExchange.Redis configuration, e.g. 127.0.0.1:6379): trainers publish "run changed" and
    /// batch progress there, so front-ends update their pages at once rather than at their next look.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>How long a claim holds without a renewal; after that another trainer may take the run over.</summary>
    public double LeaseSeconds { get; set; } = 15;

    /// <summary>How often a trainer renews its lease and its heartbeat (well under <see cref="LeaseSeconds"/>).</summary>
    public double RenewSeconds { get; set; } = 3;

    /// <summary>How often an idle trainer looks for a queued run.</summary>
    public double PollSeconds { get; set; } = 1;

    /// <summary>How often a front-end reads the active runs and the trainers' progress to tell its pages and hub clients.</summary>
    public double WatchSeconds { get; set; } = 0.5;

    /// <summary>A run lost this many times (its trainer died each time) stays lost instead of being queued again.</summary>
    public int MaxLosses { get; set; } = 3;

    /// <summary>
    /// The PostgreSQL login role trainer hosts connect as, when it is not the front-ends' own: a web front-end grants it
    /// what a trainer reads and writes (runs, epochs, files, trainers; samples read-only) and nothing else, the Data
    /// Protection keys least of all. Nothing is granted when no such role exists.
    /// </summary>
    public string TrainerRole { get; set; } = "dashboard_trainer";

    /// <summary>This trainer's name in the trainers table (default: host name and process id).</summary>
    public string? TrainerName { get; set; }

    /// <summary>Where a trainer keeps the files of the run it trains (default: a folder under the temp folder).</summary>
    public string? WorkFolder { get; set; }

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
    public TimeSpan Renew => TimeSpan.FromSeconds(RenewSeconds);
    public TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds);
    public TimeSpan Watch => TimeSpan.FromSeconds(WatchSeconds);

    public bool IsWeb => string.Equals(Role, "web", StringComparison.OrdinalIgnoreCase);
}
