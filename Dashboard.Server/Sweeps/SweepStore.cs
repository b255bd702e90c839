using System.Text.Json;
using Dashboard.Server.Storage;
using Dashboard.Shared.Sweeps;
using Microsoft.Data.Sqlite;

namespace Dashboard.Server.Sweeps;

/// <summary>A stored trial: its number, run, parameters and the rungs ASHA judged it at.</summary>
public sealed record StoredTrial(int Number, int RunId, IReadOnlyDictionary<string, JsonElement> Parameters, IReadOnlyList<RungResult> Rungs);

/// <summary>A stored sweep: what was asked, its budget and status, and its trials (their runs hold the rest). Error: why it stopped by itself.</summary>
public sealed record StoredSweep(int Id, SweepSpec Spec, int Budget, SweepStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<StoredTrial> Trials, string? Error = null);

/// <summary>Where sweeps are kept: SQLite in the single process (<see cref="SweepStore"/>).</summary>
public interface ISweepStore
{
    int Create(SweepPlan plan, DateTimeOffset createdAt);
    void SetStatus(int id, SweepStatus status, DateTimeOffset? finishedAt, string? error = null);
    void AddTrial(int sweepId, StoredTrial trial);
    void SetRungs(int sweepId, int number, IReadOnlyList<RungResult> rungs);
    bool Delete(int id);
    StoredSweep? Get(int id);

    /// <summary>Every sweep, newest first.</summary>
    IReadOnlyList<StoredSweep> List();
}

/// <summary>Sweeps and their trials in the dashboard's SQLite file, beside the runs that are their trials.</summary>
public sealed class SweepStore : ISweepStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Database _database;

    public SweepStore(Database database)
    {
        _database = database;
        using var connection = _database.Open();
        Database.Execute(connection, """
            CREATE TABLE IF NOT EXISTS sweeps (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                spec TEXT NOT NULL,
                budget INTEGER NOT NULL,
                status TEXT NOT NULL,
                created_at TEXT NOT NULL,
                finished_at TEXT,
                error TEXT);
            CREATE TABLE IF NOT EXISTS sweep_trials (
                sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                number INTEGER NOT NULL,
                run_id INTEGER NOT NULL,
                parameters TEXT NOT NULL,
                rungs TEXT NOT NULL DEFAULT '[]',
                PRIMARY KEY (sweep_id, number));
            CREATE UNIQUE INDEX IF NOT EXISTS sweep_trials_run ON sweep_trials(run_id);
            """);
    }

    public int Create(SweepPlan plan, DateTimeOffset createdAt)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO sweeps (spec, budget, status, created_at) VALUES ($spec, $budget, $status, $created) RETURNING id";
        command.Parameters.AddWithValue("$spec", JsonSerializer.Serialize(plan.Spec, Json));
        command.Parameters.AddWithValue("$budget", plan.Budget);
        command.Parameters.AddWithValue("$status", nameof(SweepStatus.Running));
        command.Parameters.AddWithValue("$created", createdAt.ToString("O"));
        return Convert.ToInt32(command.ExecuteScalar());
    }

    public void SetStatus(int id, SweepStatus status, DateTimeOffset? finishedAt, string? error = null) => Execute(
        "UPDATE sweeps SET status = $status, finished_at = $finished, error = $error WHERE id = $id",
        ("$id", id), ("$status", status.ToString()), ("$finished", (object?)finishedAt?.ToString("O") ?? DBNull.Value), ("$error", (object?)error ?? DBNull.Value));

    public void AddTrial(int sweepId, StoredTrial trial) => Execute(
        "INSERT INTO sweep_trials (sweep_id, number, run_id, parameters) VALUES ($sweep, $number, $run, $parameters)",
        ("$sweep", sweepId), ("$number", trial.Number), ("$run", trial.RunId), ("$parameters", JsonSerializer.Serialize(trial.Parameters, Json)));

    public void SetRungs(int sweepId, int number, IReadOnlyList<RungResult> rungs) => Execute(
        "UPDATE sweep_trials SET rungs = $rungs WHERE sweep_id = $sweep AND number = $number",
        ("$sweep", sweepId), ("$number", number), ("$rungs", JsonSerializer.Serialize(rungs, Json)));

    /// <summary>Removes the sweep and its trial rows (their runs are the run service's to delete).</summary>
    public bool Delete(int id)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        Database.Execute(connection, "PRAGMA foreign_keys = ON");
        using var trials = connection.CreateCommand();
        trials.CommandText = "DELETE FROM sweep_trials WHERE sweep_id = $id";
        trials.Parameters.AddWithValue("$id", id);
        trials.ExecuteNonQuery();
        using var sweep = connection.CreateCommand();
        sweep.CommandText = "DELETE FROM sweeps WHERE id = $id";
        sweep.Parameters.AddWithValue("$id", id);
        var deleted = sweep.ExecuteNonQuery() > 0;
        transaction.Commit();
        return deleted;
    }

    public StoredSweep? Get(int id) => Query(id).FirstOrDefault();

    public IReadOnlyList<StoredSweep> List() => Query(null);

    private List<StoredSweep> Query(int? id)
    {
        var parameters = id is null ? [] : new[] { ("$id", (object)id) };
        using var connection = _database.Open();
        var trials = new Dictionary<int, List<StoredTrial>>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT sweep_id, number, run_id, parameters, rungs FROM sweep_trials {(id is null ? "" : "WHERE sweep_id = $id")} ORDER BY sweep_id, number";
            Bind(command, parameters);
            using var row = command.ExecuteReader();
            while (row.Read())
            {
                var list = trials.TryGetValue(row.GetInt32(0), out var found) ? found : trials[row.GetInt32(0)] = [];
                list.Add(new StoredTrial(row.GetInt32(1), row.GetInt32(2),
                    JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(row.GetString(3), Json)!,
                    JsonSerializer.Deserialize<List<RungResult>>(row.GetString(4), Json)!));
            }
        }
        var sweeps = new List<StoredSweep>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT id, spec, budget, status, created_at, finished_at, error FROM sweeps {(id is null ? "" : "WHERE id = $id")} ORDER BY id DESC";
            Bind(command, parameters);
            using var row = command.ExecuteReader();
            while (row.Read())
            {
                var sweep = row.GetInt32(0);
                sweeps.Add(new StoredSweep(sweep, JsonSerializer.Deserialize<SweepSpec>(row.GetString(1), Json)!, row.GetInt32(2),
                    Enum.Parse<SweepStatus>(row.GetString(3)), DateTimeOffset.Parse(row.GetString(4), System.Globalization.CultureInfo.InvariantCulture),
                    row.IsDBNull(5) ? null : DateTimeOffset.Parse(row.GetString(5), System.Globalization.CultureInfo.InvariantCulture),
                    trials.GetValueOrDefault(sweep) ?? [], row.IsDBNull(6) ? null : row.GetString(6)));
            }
        }
        return sweeps;
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Bind(command, parameters);
        command.ExecuteNonQuery();
    }

    private static void Bind(SqliteCommand command, (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }
}
