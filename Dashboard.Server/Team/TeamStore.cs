using System.Text.Json;
using Dashboard.Server.Training;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Platform;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;
using Dashboard.Server.Sweeps;
using Npgsql;
using NpgsqlTypes;

namespace Dashboard.Server.Team;

/// <summary>
/// A run a trainer holds, with the plan made when it was created: every write it makes carries <see cref="Attempt"/>
/// as its fencing token.
/// </summary>
public sealed record RunClaim(RunRecord Run, RunPlan Plan, int Attempt, int CheckpointEpochs);

/// <summary>What a lease renewal found.</summary>
public enum LeaseState
{
    Held,

    /// <summary>Still held, and someone asked the run to stop.</summary>
    StopRequested,

    /// <summary>Expired or taken over: the holder must stop and write nothing more.</summary>
    Lost,
}

/// <summary>A write by a trainer whose claim is no longer current (its lease expired or another trainer took the run).</summary>
public sealed class LeaseLostException(int runId, int attempt)
    : Exception($"Run {runId} attempt {attempt} is no longer held by this trainer; the write was refused.")
{
    public int RunId { get; } = runId;
    public int Attempt { get; } = attempt;
}

/// <summary>
/// The team's truth in PostgreSQL: runs and their epochs, the queue, the leases, the runs' files and
/// the trainer hosts. A trainer claims the oldest queued run its devices can train in one statement
/// (<c>FOR UPDATE SKIP LOCKED</c>, so two trainers never take the same run and never wait on each
/// other), holds it by renewing a lease, and makes every later write under the claim's attempt
/// number: a write whose attempt is not the run's current one, or whose lease has expired, is refused.
/// Times are the database's clock, so hosts' clocks do not matter.
/// </summary>
public sealed class TeamStore : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly NpgsqlDataSource _source;

    /// <param name="trainerRole">A web front-end's: the PostgreSQL login role of trainer hosts, granted exactly what a
    /// trainer does (docs/team.md, Team__TrainerRole) when it exists; null for a trainer.</param>
    public TeamStore(string connectionString, string? trainerRole = null)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        // Hosts starting together create the schema once; a host whose login may not create tables (a trainer's
        // role, docs/team.md) finds it made.
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock(7301)");
        // The newest table: a schema without it is made (or completed: every statement is IF NOT EXISTS).
        using var made = new NpgsqlCommand("SELECT to_regclass('sweep_trials') IS NOT NULL", connection, transaction);
        if (!(bool)made.ExecuteScalar()!)
        {
            CreateSchema(connection, transaction);
        }
        if (trainerRole is not null)
        {
            GrantTrainer(connection, transaction, trainerRole);
        }
        transaction.Commit();
    }

    /// <summary>
    /// A trainer's connection string: the database ends a session left idle inside a transaction for longer than
    /// <paramref name="lease"/>, so a trainer frozen in the middle of a write (a stopped process, a suspended machine)
    /// releases the run row it locked and another trainer can take the run over; its write is rolled back.
    /// </summary>
    public static string ForTrainer(string connectionString, TimeSpan lease)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = $"{builder.Options} -c idle_in_transaction_session_timeout={(long)lease.TotalMilliseconds}".Trim();
        return builder.ConnectionString;
    }

    private static void CreateSchema(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        Execute(connection, transaction, """
            CREATE TABLE IF NOT EXISTS runs (
                id serial PRIMARY KEY,
                created_at timestamptz NOT NULL DEFAULT now(),
                queued_at timestamptz NOT NULL DEFAULT now(),
                config jsonb NOT NULL,
                layers jsonb NOT NULL,
                device text NOT NULL,
                status text NOT NULL,
                started_at timestamptz,
                finished_at timestamptz,
                started jsonb,
                test jsonb,
                error text,
                has_checkpoint boolean NOT NULL DEFAULT false,
                checkpoint_epochs int NOT NULL DEFAULT 0,
                attempt int NOT NULL DEFAULT 0,
                trainer text,
                lease_expires_at timestamptz,
                stop_requested boolean NOT NULL DEFAULT false,
                losses int NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS runs_queue ON runs (queued_at, id) WHERE status = 'Queued';
            CREATE TABLE IF NOT EXISTS epochs (
                run_id int NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                epoch int NOT NULL,
                metrics jsonb NOT NULL,
                attempt int NOT NULL,
                PRIMARY KEY (run_id, epoch));
            CREATE TABLE IF NOT EXISTS steps (
                run_id int NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                step bigint NOT NULL,
                epoch int NOT NULL,
                loss double precision NOT NULL,
                accuracy double precision NOT NULL,
                learning_rate double precision NOT NULL,
                seconds double precision NOT NULL,
                PRIMARY KEY (run_id, step));
            CREATE TABLE IF NOT EXISTS run_files (
                run_id int NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                name text NOT NULL,
                content bytea NOT NULL,
                attempt int NOT NULL,
                PRIMARY KEY (run_id, name));
            CREATE TABLE IF NOT EXISTS trainers (
                name text PRIMARY KEY,
                devices text[] NOT NULL,
                torch_version text NOT NULL,
                state text NOT NULL,
                run_id int,
                progress jsonb,
                drain boolean NOT NULL DEFAULT false,
                started_at timestamptz NOT NULL DEFAULT now(),
                heartbeat_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS data_protection_keys (
                id serial PRIMARY KEY,
                friendly_name text NOT NULL,
                xml text NOT NULL);
            CREATE TABLE IF NOT EXISTS samples (
                id serial PRIMARY KEY,
                dataset text NOT NULL,
                label int NOT NULL,
                channels int NOT NULL,
                height int NOT NULL,
                width int NOT NULL,
                pixels bytea NOT NULL,
                created_at timestamptz NOT NULL);
            CREATE INDEX IF NOT EXISTS samples_dataset ON samples (dataset, id);
            CREATE TABLE IF NOT EXISTS sweeps (
                id serial PRIMARY KEY,
                spec jsonb NOT NULL,
                budget int NOT NULL,
                status text NOT NULL,
                created_at timestamptz NOT NULL,
                finished_at timestamptz,
                error text);
            CREATE TABLE IF NOT EXISTS sweep_trials (
                sweep_id int NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                number int NOT NULL,
                run_id int NOT NULL UNIQUE,
                parameters jsonb NOT NULL,
                rungs jsonb NOT NULL DEFAULT '[]',
                PRIMARY KEY (sweep_id, number));
            """);

    // What a trainer reads and writes, and no more: not the Data Protection keys (it could forge an operator's
    // cookie), not new runs, not samples beyond reading them.
    private static void GrantTrainer(NpgsqlConnection connection, NpgsqlTransaction transaction, string role)
    {
        using var find = new NpgsqlCommand("SELECT quote_ident(rolname) FROM pg_roles WHERE rolname = $1", connection, transaction);
        find.Parameters.AddWithValue(role);
        if (find.ExecuteScalar() is string quoted)
        {
            Execute(connection, transaction, $"""
                GRANT SELECT, UPDATE ON runs TO {quoted};
                GRANT SELECT, INSERT, UPDATE, DELETE ON epochs, steps, run_files TO {quoted};
                GRANT SELECT, INSERT, UPDATE ON trainers TO {quoted};
                GRANT SELECT ON samples, sweeps TO {quoted};
                GRANT SELECT, UPDATE ON sweep_trials TO {quoted};
                """);
        }
    }

    /// <summary>Stores a new run, with its plan, at the end of the queue.</summary>
    public RunRecord Enqueue(RunPlan plan)
    {
        using var command = _source.CreateCommand("INSERT INTO runs (config, layers, device, status) VALUES ($1, $2, $3, 'Queued') RETURNING id, created_at");
        command.Parameters.Add(JsonParameter(plan.Config));
        command.Parameters.Add(JsonParameter(plan.Layers));
        command.Parameters.AddWithValue(plan.DeviceRequirement);
        using var row = command.ExecuteReader();
        row.Read();
        return new RunRecord { Id = row.GetInt32(0), Config = plan.Config, CreatedAt = row.GetFieldValue<DateTimeOffset>(1) };
    }

    /// <summary>
    /// Takes the oldest queued run that one of <paramref name="requirements"/> can train, or null. The
    /// run's epochs after its last stored checkpoint are dropped: the new holder redoes them.
    /// </summary>
    public RunClaim? Claim(string trainer, IReadOnlyList<string> requirements, TimeSpan lease)
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var claim = new NpgsqlCommand("""
            UPDATE runs r SET status = 'Running', attempt = r.attempt + 1, trainer = $1, lease_expires_at = now() + $3,
                started_at = COALESCE(r.started_at, now()), error = NULL
            FROM (SELECT id FROM runs WHERE status = 'Queued' AND device = ANY($2) ORDER BY queued_at, id
                  FOR UPDATE SKIP LOCKED LIMIT 1) next
            WHERE r.id = next.id
            RETURNING r.id, r.attempt, r.checkpoint_epochs, r.layers
            """, connection, transaction);
        claim.Parameters.AddWithValue(trainer);
        claim.Parameters.AddWithValue(requirements.ToArray());
        claim.Parameters.AddWithValue(lease);
        int id, attempt, checkpointEpochs;
        List<LayerSpec> layers;
        using (var row = claim.ExecuteReader())
        {
            if (!row.Read())
            {
                return null;
            }
            (id, attempt, checkpointEpochs, layers) = (row.GetInt32(0), row.GetInt32(1), row.GetInt32(2), Read<List<LayerSpec>>(row, 3)!);
        }
        foreach (var table in new[] { "epochs", "steps" })
        {
            using var drop = new NpgsqlCommand($"DELETE FROM {table} WHERE run_id = $1 AND epoch > $2", connection, transaction);
            drop.Parameters.AddWithValue(id);
            drop.Parameters.AddWithValue(checkpointEpochs);
            drop.ExecuteNonQuery();
        }
        transaction.Commit();
        var run = Get(id)!;
        return new RunClaim(run, new RunPlan(run.Config, layers), attempt, checkpointEpochs);
    }

    /// <summary>Extends a held lease; tells the holder when it has lost the run or the run should stop.</summary>
    public LeaseState Renew(RunClaim claim, TimeSpan lease)
    {
        using var command = _source.CreateCommand("""
            UPDATE runs SET lease_expires_at = now() + $3
            WHERE id = $1 AND attempt = $2 AND status = 'Running' AND lease_expires_at > now()
            RETURNING stop_requested
            """);
        command.Parameters.AddWithValue(claim.Run.Id);
        command.Parameters.AddWithValue(claim.Attempt);
        command.Parameters.AddWithValue(lease);
        return command.ExecuteScalar() switch
        {
            true => LeaseState.StopRequested,
            false => LeaseState.Held,
            _ => LeaseState.Lost,
        };
    }

    public void SaveStarted(RunClaim claim, RunStarted started) => Fenced(claim, (connection, transaction) =>
    {
        using var command = new NpgsqlCommand("UPDATE runs SET started = $2 WHERE id = $1", connection, transaction);
        command.Parameters.AddWithValue(claim.Run.Id);
        command.Parameters.Add(JsonParameter(started));
        command.ExecuteNonQuery();
    });

    /// <summary>Stores an epoch (a redone epoch replaces the earlier attempt's row: each epoch is stored once).</summary>
    public void SaveEpoch(RunClaim claim, EpochMetrics epoch) => Fenced(claim, (connection, transaction) =>
    {
        using var command = new NpgsqlCommand("""
            INSERT INTO epochs (run_id, epoch, metrics, attempt) VALUES ($1, $2, $3, $4)
            ON CONFLICT (run_id, epoch) DO UPDATE SET metrics = excluded.metrics, attempt = excluded.attempt
            """, connection, transaction);
        command.Parameters.AddWithValue(claim.Run.Id);
        command.Parameters.AddWithValue(epoch.Epoch);
        command.Parameters.Add(JsonParameter(epoch));
        command.Parameters.AddWithValue(claim.Attempt);
        command.ExecuteNonQuery();
    });

    /// <summary>Adds step points (a redone epoch's replace the earlier attempt's).</summary>
    public void SaveSteps(RunClaim claim, IReadOnlyList<StepMetrics> steps) => Fenced(claim, (connection, transaction) =>
    {
        if (steps.Count == 0)
        {
            return;
        }
        using var command = new NpgsqlCommand("""
            INSERT INTO steps (run_id, step, epoch, loss, accuracy, learning_rate, seconds)
            SELECT $1, * FROM unnest($2::bigint[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])
            ON CONFLICT (run_id, step) DO UPDATE SET epoch = excluded.epoch, loss = excluded.loss, accuracy = excluded.accuracy,
                learning_rate = excluded.learning_rate, seconds = excluded.seconds
            """, connection, transaction);
        command.Parameters.AddWithValue(claim.Run.Id);
        command.Parameters.AddWithValue(steps.Select(s => s.Step).ToArray());
        command.Parameters.AddWithValue(steps.Select(s => s.Epoch).ToArray());
        command.Parameters.AddWithValue(steps.Select(s => s.Loss).ToArray());
        command.Parameters.AddWithValue(steps.Select(s => s.Accuracy).ToArray());
        command.Parameters.AddWithValue(steps.Select(s => s.LearningRate).ToArray());
        command.Parameters.AddWithValue(steps.Select(s => s.Seconds).ToArray());
        command.ExecuteNonQuery();
    });

    /// <summary>A run's step points in order.</summary>
    public IReadOnlyList<StepMetrics> Steps(int runId) => StepsAfter(runId, 0);

    /// <summary>A run's last stored step (0 when it has none).</summary>
    public long LastStep(int runId)
    {
        using var command = _source.CreateCommand("SELECT COALESCE(max(step), 0) FROM steps WHERE run_id = $1");
        command.Parameters.AddWithValue(runId);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A run's stored step points after <paramref name="step"/>, in order.</summary>
    public IReadOnlyList<StepMetrics> StepsAfter(int runId, long step)
    {
        using var command = _source.CreateCommand("SELECT step, epoch, loss, accuracy, learning_rate, seconds FROM steps WHERE run_id = $1 AND step > $2 ORDER BY step");
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue(step);
        using var row = command.ExecuteReader();
        var steps = new List<StepMetrics>();
        while (row.Read())
        {
            steps.Add(new StepMetrics(row.GetInt64(0), row.GetInt32(1), row.GetDouble(2), row.GetDouble(3), row.GetDouble(4), row.GetDouble(5)));
        }
        return steps;
    }

    /// <summary>Replaces the run's stored files (checkpoint, model card, optimizer state, test predictions).</summary>
    public void SaveFiles(RunClaim claim, int checkpointEpochs, IReadOnlyList<(string Name, byte[] Content)> files) => Fenced(claim, (connection, transaction) =>
    {
        foreach (var (name, content) in files)
        {
            using var command = new NpgsqlCommand("""
                INSERT INTO run_files (run_id, name, content, attempt) VALUES ($1, $2, $3, $4)
                ON CONFLICT (run_id, name) DO UPDATE SET content = excluded.content, attempt = excluded.attempt
                """, connection, transaction);
            command.Parameters.AddWithValue(claim.Run.Id);
            command.Parameters.AddWithValue(name);
            command.Parameters.AddWithValue(content);
            command.Parameters.AddWithValue(claim.Attempt);
            command.ExecuteNonQuery();
        }
        using var mark = new NpgsqlCommand("UPDATE runs SET has_checkpoint = true, checkpoint_epochs = $2 WHERE id = $1", connection, transaction);
        mark.Parameters.AddWithValue(claim.Run.Id);
        mark.Parameters.AddWithValue(checkpointEpochs);
        mark.ExecuteNonQuery();
    });

    /// <summary>The run's stored files, by name.</summary>
    public IReadOnlyList<(string Name, byte[] Content)> Files(int runId)
    {
        using var command = _source.CreateCommand("SELECT name, content FROM run_files WHERE run_id = $1 ORDER BY name");
        command.Parameters.AddWithValue(runId);
        using var row = command.ExecuteReader();
        var files = new List<(string, byte[])>();
        while (row.Read())
        {
            files.Add((row.GetString(0), row.GetFieldValue<byte[]>(1)));
        }
        return files;
    }

    /// <summary>Ends the held run (completed, cancelled, failed, diverged); the run keeps the name of the trainer that ended it.</summary>
    public void Finish(RunClaim claim, RunStatus status, TestMetrics? test, string? error) => Fenced(claim, (connection, transaction) =>
    {
        using var command = new NpgsqlCommand("""
            UPDATE runs SET status = $2, test = $3, error = $4, finished_at = now(), lease_expires_at = NULL
            WHERE id = $1
            """, connection, transaction);
        command.Parameters.AddWithValue(claim.Run.Id);
        command.Parameters.AddWithValue(status.ToString());
        command.Parameters.Add(JsonParameter(test));
        command.Parameters.AddWithValue((object?)error ?? DBNull.Value);
        command.ExecuteNonQuery();
    });

    /// <summary>Gives a held run back to the queue (its trainer is shutting down): the next holder resumes it.</summary>
    public void Release(RunClaim claim) => Fenced(claim, (connection, transaction) =>
    {
        using var command = new NpgsqlCommand("UPDATE runs SET status = 'Queued', trainer = NULL, lease_expires_at = NULL WHERE id = $1", connection, transaction);
        command.Parameters.AddWithValue(claim.Run.Id);
        command.ExecuteNonQuery();
    });

    /// <summary>
    /// Runs whose lease expired (their trainer died, hung or lost the database) go back to the front of
    /// the queue, or become lost after <paramref name="maxLosses"/> such losses. Returns their ids.
    /// </summary>
    public IReadOnlyList<int> RequeueExpired(int maxLosses)
    {
        using var command = _source.CreateCommand("""
            UPDATE runs SET losses = losses + 1, trainer = NULL, lease_expires_at = NULL,
                status = CASE WHEN losses + 1 >= $1 THEN 'Lost' ELSE 'Queued' END,
                finished_at = CASE WHEN losses + 1 >= $1 THEN now() END,
                error = 'Its trainer stopped renewing its lease (attempt ' || attempt || ').'
            WHERE id IN (SELECT id FROM runs WHERE status = 'Running' AND lease_expires_at < now() FOR UPDATE SKIP LOCKED)
            RETURNING id
            """);
        // SKIP LOCKED: a run whose row is still locked by its frozen holder (see ForTrainer) waits for a later look
        // instead of stalling this trainer's loop.
        command.Parameters.AddWithValue(maxLosses);
        using var row = command.ExecuteReader();
        var ids = new List<int>();
        while (row.Read())
        {
            ids.Add(row.GetInt32(0));
        }
        return ids;
    }

    /// <summary>Asks a run to stop: a queued one is cancelled at once, a running one by its trainer at its next renewal.</summary>
    public bool RequestStop(int id)
    {
        using var command = _source.CreateCommand("""
            UPDATE runs SET stop_requested = status = 'Running',
                status = CASE WHEN status = 'Queued' THEN 'Cancelled' ELSE status END,
                finished_at = CASE WHEN status = 'Queued' THEN now() ELSE finished_at END
            WHERE id = $1 AND status IN ('Queued', 'Running')
            """);
        command.Parameters.AddWithValue(id);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>A run's current attempt and the trainer holding it, or for an ended run the one that ended it (null when none).</summary>
    public (int Attempt, string? Trainer) Holder(int runId)
    {
        using var command = _source.CreateCommand("SELECT attempt, trainer FROM runs WHERE id = $1");
        command.Parameters.AddWithValue(runId);
        using var row = command.ExecuteReader();
        return row.Read() ? (row.GetInt32(0), row.IsDBNull(1) ? null : row.GetString(1)) : (0, null);
    }

    /// <summary>Which attempt wrote each stored epoch, in epoch order (to prove who wrote what).</summary>
    public IReadOnlyList<(int Epoch, int Attempt)> EpochWriters(int runId)
    {
        using var command = _source.CreateCommand("SELECT epoch, attempt FROM epochs WHERE run_id = $1 ORDER BY epoch");
        command.Parameters.AddWithValue(runId);
        using var row = command.ExecuteReader();
        var writers = new List<(int, int)>();
        while (row.Read())
        {
            writers.Add((row.GetInt32(0), row.GetInt32(1)));
        }
        return writers;
    }

    public RunRecord? Get(int id) => Query("WHERE r.id = $1", id).FirstOrDefault();

    /// <summary>Every run, newest first.</summary>
    public IReadOnlyList<RunRecord> List() => Query("");

    /// <summary>The queued and running runs, oldest first, queued ones with their place in their device's queue.</summary>
    public IReadOnlyList<RunRecord> Active() => [.. Query("WHERE r.status IN ('Queued', 'Running')").OrderBy(r => r.Id)];

    /// <summary>The queued and running runs and every run created after run <paramref name="id"/>, in one read.</summary>
    public IReadOnlyList<RunRecord> ActiveOrAfter(int id) => Query("WHERE r.status IN ('Queued', 'Running') OR r.id > $1", id);

    /// <summary>The newest run's id, 0 when there is none.</summary>
    public int LatestId()
    {
        using var command = _source.CreateCommand("SELECT COALESCE(max(id), 0) FROM runs");
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Deletes a run that is not queued or running, with its epochs and files. False when there is no such run.</summary>
    public bool Delete(int id)
    {
        using var command = _source.CreateCommand("DELETE FROM runs WHERE id = $1 AND status NOT IN ('Queued', 'Running')");
        command.Parameters.AddWithValue(id);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>
    /// Queues an ended run again at the end of the queue; its next holder resumes from its last stored
    /// checkpoint (epochs after it are dropped then). Null when the run is not in <paramref name="resumable"/>.
    /// </summary>
    public RunRecord? Requeue(int id, IReadOnlyList<RunStatus> resumable)
    {
        using var command = _source.CreateCommand("""
            UPDATE runs SET status = 'Queued', queued_at = now(), error = NULL, test = NULL, finished_at = NULL,
                stop_requested = false, losses = 0
            WHERE id = $1 AND status = ANY($2)
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(resumable.Select(s => s.ToString()).ToArray());
        return command.ExecuteNonQuery() > 0 ? Get(id) : null;
    }

    private List<RunRecord> Query(string where, params object[] parameters)
    {
        using var command = _source.CreateCommand($"""
            SELECT r.id, r.created_at, r.config, r.status, r.started_at, r.finished_at, r.started, r.test, r.error, r.has_checkpoint,
                COALESCE((SELECT json_agg(e.metrics ORDER BY e.epoch) FROM epochs e WHERE e.run_id = r.id), '[]'),
                CASE WHEN r.status = 'Queued' THEN (SELECT count(*) FROM runs q WHERE q.status = 'Queued' AND q.device = r.device
                    AND (q.queued_at, q.id) <= (r.queued_at, r.id)) END
            FROM runs r {where} ORDER BY r.id DESC
            """);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }
        using var row = command.ExecuteReader();
        var runs = new List<RunRecord>();
        while (row.Read())
        {
            runs.Add(new RunRecord
            {
                Id = row.GetInt32(0),
                CreatedAt = row.GetFieldValue<DateTimeOffset>(1),
                Config = Read<RunConfig>(row, 2)!,
                Status = Enum.Parse<RunStatus>(row.GetString(3)),
                StartedAt = row.IsDBNull(4) ? null : row.GetFieldValue<DateTimeOffset>(4),
                FinishedAt = row.IsDBNull(5) ? null : row.GetFieldValue<DateTimeOffset>(5),
                Started = Read<RunStarted>(row, 6),
                Test = Read<TestMetrics>(row, 7),
                Error = row.IsDBNull(8) ? null : row.GetString(8),
                HasCheckpoint = row.GetBoolean(9),
                Epochs = Read<List<EpochMetrics>>(row, 10) ?? [],
                QueuePosition = row.IsDBNull(11) ? null : (int)row.GetInt64(11),
            });
        }
        return runs;
    }

    /// <summary>
    /// Registers (<paramref name="starting"/>: a new process, not draining) or refreshes a trainer host (its heartbeat);
    /// true when it has been asked to drain.
    /// </summary>
    public bool Heartbeat(string name, IReadOnlyList<string> devices, string torchVersion, string state, int? runId, BatchProgress? progress, bool starting = false)
    {
        using var command = _source.CreateCommand("""
            INSERT INTO trainers (name, devices, torch_version, state, run_id, progress) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (name) DO UPDATE SET devices = excluded.devices, torch_version = excluded.torch_version, state = excluded.state,
                run_id = excluded.run_id, progress = excluded.progress, heartbeat_at = now(),
                drain = trainers.drain AND NOT $7, started_at = CASE WHEN $7 THEN now() ELSE trainers.started_at END
            RETURNING drain
            """);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(devices.ToArray());
        command.Parameters.AddWithValue(torchVersion);
        command.Parameters.AddWithValue(state);
        command.Parameters.AddWithValue((object?)runId ?? DBNull.Value);
        command.Parameters.Add(JsonParameter(progress));
        command.Parameters.AddWithValue(starting);
        return command.ExecuteScalar() is true;
    }

    /// <summary>Asks a trainer to finish its current run and take no new one. False for an unknown trainer.</summary>
    public bool RequestDrain(string name)
    {
        using var command = _source.CreateCommand("UPDATE trainers SET drain = true WHERE name = $1");
        command.Parameters.AddWithValue(name);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>Every trainer host that ever registered, by name, in the state it last reported (whether it is gone is the reader's call).</summary>
    public IReadOnlyList<TrainerView> Trainers()
    {
        using var command = _source.CreateCommand("SELECT name, devices, torch_version, state, run_id, progress, heartbeat_at FROM trainers ORDER BY name");
        using var row = command.ExecuteReader();
        var trainers = new List<TrainerView>();
        while (row.Read())
        {
            trainers.Add(new TrainerView(row.GetString(0), row.GetFieldValue<string[]>(1), row.GetString(2), row.GetString(3),
                row.IsDBNull(4) ? null : row.GetInt32(4), Read<BatchProgress>(row, 5), row.GetFieldValue<DateTimeOffset>(6)));
        }
        return trainers;
    }

    /// <summary>The front-ends' Data Protection keys, as XML, oldest first.</summary>
    public IReadOnlyList<string> DataProtectionKeys()
    {
        using var command = _source.CreateCommand("SELECT xml FROM data_protection_keys ORDER BY id");
        using var row = command.ExecuteReader();
        var keys = new List<string>();
        while (row.Read())
        {
            keys.Add(row.GetString(0));
        }
        return keys;
    }

    public void SaveDataProtectionKey(string friendlyName, string xml)
    {
        using var command = _source.CreateCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($1, $2)");
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(xml);
        command.ExecuteNonQuery();
    }

    /// <summary>The database could not be reached or answered with a transient error (a restart, a cut connection): worth retrying.</summary>
    public static bool IsFault(Exception e) => e is NpgsqlException { IsTransient: true } || (e is NpgsqlException and not PostgresException)
        // The server ended the session (an idle-in-transaction timeout, an administrator, a shutdown): the connection's fault, not the statement's.
        || e is PostgresException { InvariantSeverity: "FATAL" or "PANIC" };

    public void Dispose() => _source.Dispose();

    /// <summary>A command on the team database, for the stores that share it (samples).</summary>
    internal NpgsqlCommand Command(string sql) => _source.CreateCommand(sql);

    /// <summary>
    /// A sweep's trial has finished <paramref name="epoch"/>: if that is one of its rungs, ASHA's decision, made once by the
    /// trainer holding the run, fenced like its other writes, under a lock per sweep so two trainers reaching a rung at
    /// once are judged one after the other. True: go on (or not a trial, not a rung); false: the trial is pruned.
    /// </summary>
    public bool JudgeRung(RunClaim claim, EpochMetrics epoch)
    {
        var promoted = true;
        Fenced(claim, (connection, transaction) =>
        {
            int sweepId, number;
            SweepSpec spec;
            using (var find = new NpgsqlCommand("""
                SELECT s.id, t.number, s.spec FROM sweep_trials t JOIN sweeps s ON s.id = t.sweep_id
                WHERE t.run_id = $1 AND s.status = 'Running'
                """, connection, transaction))
            {
                find.Parameters.AddWithValue(claim.Run.Id);
                using var row = find.ExecuteReader();
                if (!row.Read())
                {
                    return;
                }
                (sweepId, number, spec) = (row.GetInt32(0), row.GetInt32(1), Read<SweepSpec>(row, 2)!);
            }
            // One judgement at a time per sweep (an advisory lock: a trainer may not update the sweep's row to lock it).
            using (var serialize = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7304, $1)", connection, transaction))
            {
                serialize.Parameters.AddWithValue(sweepId);
                serialize.ExecuteNonQuery();
            }
            var trials = new List<StoredTrial>();
            using (var all = new NpgsqlCommand("SELECT number, run_id, rungs FROM sweep_trials WHERE sweep_id = $1", connection, transaction))
            {
                all.Parameters.AddWithValue(sweepId);
                using var row = all.ExecuteReader();
                while (row.Read())
                {
                    trials.Add(new StoredTrial(row.GetInt32(0), row.GetInt32(1), new Dictionary<string, JsonElement>(), Read<List<RungResult>>(row, 2)!));
                }
            }
            if (Sweeps.Asha.Judge(spec, trials, number, claim.Run.Config, epoch) is not { } result)
            {
                return;
            }
            using var write = new NpgsqlCommand("UPDATE sweep_trials SET rungs = rungs || $3 WHERE sweep_id = $1 AND number = $2", connection, transaction);
            write.Parameters.AddWithValue(sweepId);
            write.Parameters.AddWithValue(number);
            write.Parameters.Add(JsonParameter(new[] { result }));
            write.ExecuteNonQuery();
            promoted = result.Promoted;
        });
        return promoted;
    }

    /// <summary>Runs <paramref name="write"/> only while <paramref name="claim"/> is the run's current, unexpired claim.</summary>
    private void Fenced(RunClaim claim, Action<NpgsqlConnection, NpgsqlTransaction> write)
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        // The row lock orders this write against a takeover: either it sees the new attempt, or the takeover waits for it.
        using (var check = new NpgsqlCommand("""
            SELECT 1 FROM runs WHERE id = $1 AND attempt = $2 AND status = 'Running' AND lease_expires_at > now() FOR UPDATE
            """, connection, transaction))
        {
            check.Parameters.AddWithValue(claim.Run.Id);
            check.Parameters.AddWithValue(claim.Attempt);
            if (check.ExecuteScalar() is null)
            {
                throw new LeaseLostException(claim.Run.Id, claim.Attempt);
            }
        }
        write(connection, transaction);
        transaction.Commit();
    }

    internal static NpgsqlParameter JsonParameter<T>(T value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = value is null ? DBNull.Value : JsonSerializer.Serialize(value, Json) };

    internal static T? Read<T>(NpgsqlDataReader row, int column) =>
        row.IsDBNull(column) ? default : JsonSerializer.Deserialize<T>(row.GetString(column), Json);

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
