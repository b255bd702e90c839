using System.Text.Json;
using Dashboard.Shared.Runs;
using Microsoft.Data.Sqlite;

namespace Dashboard.Server.Storage;

/// <summary>
/// Runs and their per-epoch metrics in SQLite (WAL mode: an epoch is on disk when its
/// write returns, and survives a killed process). JSON columns hold the nested records.
/// </summary>
public sealed class RunStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Database _database;

    public RunStore(Database database)
    {
        _database = database;
        using var connection = Open();
        Database.Execute(connection, """
            CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at TEXT NOT NULL,
                config TEXT NOT NULL,
                status TEXT NOT NULL,
                started_at TEXT,
                finished_at TEXT,
                started TEXT,
                test TEXT,
                error TEXT,
                has_checkpoint INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS epochs (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                epoch INTEGER NOT NULL,
                metrics TEXT NOT NULL,
                PRIMARY KEY (run_id, epoch));
            CREATE TABLE IF NOT EXISTS steps (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                step INTEGER NOT NULL,
                epoch INTEGER NOT NULL,
                loss REAL NOT NULL,
                accuracy REAL NOT NULL,
                learning_rate REAL NOT NULL,
                seconds REAL NOT NULL,
                PRIMARY KEY (run_id, step)) WITHOUT ROWID;
            """);
    }

    /// <summary>Stores a new queued run and returns it with its id.</summary>
    public RunRecord Create(RunConfig config, DateTimeOffset createdAt)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO runs (created_at, config, status) VALUES ($created, $config, $status) RETURNING id";
        command.Parameters.AddWithValue("$created", createdAt.ToString("O"));
        command.Parameters.AddWithValue("$config", JsonSerializer.Serialize(config, Json));
        command.Parameters.AddWithValue("$status", nameof(RunStatus.Queued));
        var id = Convert.ToInt32(command.ExecuteScalar());
        return new RunRecord { Id = id, Config = config, CreatedAt = createdAt };
    }

    /// <summary>Writes a run's status, timestamps and results (not its epochs).</summary>
    public void Update(RunRecord run)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE runs SET status = $status, started_at = $startedAt, finished_at = $finishedAt, started = $started,
                test = $test, error = $error, has_checkpoint = $checkpoint WHERE id = $id
            """;
        command.Parameters.AddWithValue("$id", run.Id);
        command.Parameters.AddWithValue("$status", run.Status.ToString());
        command.Parameters.AddWithValue("$startedAt", (object?)run.StartedAt?.ToString("O") ?? DBNull.Value);
        command.Parameters.AddWithValue("$finishedAt", (object?)run.FinishedAt?.ToString("O") ?? DBNull.Value);
        command.Parameters.AddWithValue("$started", run.Started is null ? DBNull.Value : JsonSerializer.Serialize(run.Started, Json));
        command.Parameters.AddWithValue("$test", run.Test is null ? DBNull.Value : JsonSerializer.Serialize(run.Test, Json));
        command.Parameters.AddWithValue("$error", (object?)run.Error ?? DBNull.Value);
        command.Parameters.AddWithValue("$checkpoint", run.HasCheckpoint ? 1 : 0);
        command.ExecuteNonQuery();
    }

    public void AddEpoch(int runId, EpochMetrics epoch) => SaveEpochs(runId, [epoch]);

    /// <summary>Writes (or rewrites) epochs in one transaction.</summary>
    public void SaveEpochs(int runId, IReadOnlyList<EpochMetrics> epochs)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO epochs (run_id, epoch, metrics) VALUES ($run, $epoch, $metrics)";
        command.Parameters.AddWithValue("$run", runId);
        var epoch = command.Parameters.Add("$epoch", Microsoft.Data.Sqlite.SqliteType.Integer);
        var metrics = command.Parameters.Add("$metrics", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var e in epochs)
        {
            epoch.Value = e.Epoch;
            metrics.Value = JsonSerializer.Serialize(e, Json);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>Adds step points (a redone epoch's replace the earlier attempt's).</summary>
    public void AddSteps(RunSteps steps)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR REPLACE INTO steps (run_id, step, epoch, loss, accuracy, learning_rate, seconds)
            VALUES ($run, $step, $epoch, $loss, $accuracy, $rate, $seconds)
            """;
        command.Parameters.AddWithValue("$run", steps.RunId);
        var (step, epoch, loss, accuracy, rate, seconds) = (command.Parameters.Add("$step", SqliteType.Integer), command.Parameters.Add("$epoch", SqliteType.Integer),
            command.Parameters.Add("$loss", SqliteType.Real), command.Parameters.Add("$accuracy", SqliteType.Real),
            command.Parameters.Add("$rate", SqliteType.Real), command.Parameters.Add("$seconds", SqliteType.Real));
        foreach (var s in steps.Steps)
        {
            (step.Value, epoch.Value, loss.Value, accuracy.Value, rate.Value, seconds.Value) = (s.Step, s.Epoch, s.Loss, s.Accuracy, s.LearningRate, s.Seconds);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>A run's step points in order (empty for a run with none or no such run).</summary>
    public IReadOnlyList<StepMetrics> Steps(int runId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT step, epoch, loss, accuracy, learning_rate, seconds FROM steps WHERE run_id = $run ORDER BY step";
        command.Parameters.AddWithValue("$run", runId);
        using var row = command.ExecuteReader();
        var steps = new List<StepMetrics>();
        while (row.Read())
        {
            steps.Add(new StepMetrics(row.GetInt64(0), row.GetInt32(1), row.GetDouble(2), row.GetDouble(3), row.GetDouble(4), row.GetDouble(5)));
        }
        return steps;
    }

    /// <summary>Drops a run's epochs, and their steps, after the first <paramref name="keep"/> (a resume redoes them).</summary>
    public void TruncateEpochs(int runId, int keep)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM epochs WHERE run_id = $run AND epoch > $keep; DELETE FROM steps WHERE run_id = $run AND epoch > $keep";
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$keep", keep);
        command.ExecuteNonQuery();
    }

    public RunRecord? Get(int id) => Query("WHERE r.id = $id", ("$id", id)).FirstOrDefault();

    /// <summary>Every run, newest first.</summary>
    public IReadOnlyList<RunRecord> List() => Query("");

    public bool Delete(int id)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM steps WHERE run_id = $id; DELETE FROM epochs WHERE run_id = $id; DELETE FROM runs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>
    /// After a restart nothing is training: runs left queued or running become interrupted,
    /// keeping their completed epochs. Returns how many were marked.
    /// </summary>
    public int MarkInterrupted(DateTimeOffset now)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE runs SET status = $interrupted, finished_at = $now,
                error = COALESCE(error, 'The server stopped before this run finished.')
            WHERE status IN ($queued, $running)
            """;
        command.Parameters.AddWithValue("$interrupted", nameof(RunStatus.Interrupted));
        command.Parameters.AddWithValue("$now", now.ToString("O"));
        command.Parameters.AddWithValue("$queued", nameof(RunStatus.Queued));
        command.Parameters.AddWithValue("$running", nameof(RunStatus.Running));
        return command.ExecuteNonQuery();
    }

    private List<RunRecord> Query(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        var epochs = new Dictionary<int, List<EpochMetrics>>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT e.run_id, e.metrics FROM epochs e JOIN runs r ON r.id = e.run_id {where} ORDER BY e.run_id, e.epoch";
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var list = epochs.TryGetValue(reader.GetInt32(0), out var existing) ? existing : epochs[reader.GetInt32(0)] = [];
                list.Add(JsonSerializer.Deserialize<EpochMetrics>(reader.GetString(1), Json)!);
            }
        }
        using var runs = connection.CreateCommand();
        runs.CommandText = $"""
            SELECT r.id, r.created_at, r.config, r.status, r.started_at, r.finished_at, r.started, r.test, r.error, r.has_checkpoint
            FROM runs r {where} ORDER BY r.id DESC
            """;
        foreach (var (name, value) in parameters)
        {
            runs.Parameters.AddWithValue(name, value);
        }
        using var row = runs.ExecuteReader();
        var result = new List<RunRecord>();
        while (row.Read())
        {
            var id = row.GetInt32(0);
            result.Add(new RunRecord
            {
                Id = id,
                CreatedAt = DateTimeOffset.Parse(row.GetString(1), null, System.Globalization.DateTimeStyles.RoundtripKind),
                Config = JsonSerializer.Deserialize<RunConfig>(row.GetString(2), Json)!,
                Status = Enum.Parse<RunStatus>(row.GetString(3)),
                StartedAt = row.IsDBNull(4) ? null : DateTimeOffset.Parse(row.GetString(4), null, System.Globalization.DateTimeStyles.RoundtripKind),
                FinishedAt = row.IsDBNull(5) ? null : DateTimeOffset.Parse(row.GetString(5), null, System.Globalization.DateTimeStyles.RoundtripKind),
                Started = row.IsDBNull(6) ? null : JsonSerializer.Deserialize<RunStarted>(row.GetString(6), Json),
                Test = row.IsDBNull(7) ? null : JsonSerializer.Deserialize<TestMetrics>(row.GetString(7), Json),
                Error = row.IsDBNull(8) ? null : row.GetString(8),
                HasCheckpoint = row.GetInt32(9) == 1,
                Epochs = epochs.TryGetValue(id, out var list) ? list : [],
            });
        }
        return result;
    }

    private SqliteConnection Open() => _database.Open();
}
