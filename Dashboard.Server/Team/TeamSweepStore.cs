using System.Text.Json;
using Dashboard.Server.Sweeps;
using Dashboard.Shared.Sweeps;
using Npgsql;

namespace Dashboard.Server.Team;

/// <summary>A team's sweeps and their trials in its PostgreSQL (tables made with the runs', <see cref="TeamStore"/>); the trainers write the rungs.</summary>
public sealed class TeamSweepStore(string connectionString) : ISweepStore, IDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public int Create(SweepPlan plan, DateTimeOffset createdAt)
    {
        using var command = _source.CreateCommand("INSERT INTO sweeps (spec, budget, status, created_at) VALUES ($1, $2, 'Running', $3) RETURNING id");
        command.Parameters.Add(TeamStore.JsonParameter(plan.Spec));
        command.Parameters.AddWithValue(plan.Budget);
        command.Parameters.AddWithValue(createdAt);
        return (int)command.ExecuteScalar()!;
    }

    public void SetStatus(int id, SweepStatus status, DateTimeOffset? finishedAt, string? error = null)
    {
        using var command = _source.CreateCommand("UPDATE sweeps SET status = $2, finished_at = $3, error = $4 WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(status.ToString());
        command.Parameters.AddWithValue((object?)finishedAt ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)error ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public void AddTrial(int sweepId, StoredTrial trial)
    {
        using var command = _source.CreateCommand("INSERT INTO sweep_trials (sweep_id, number, run_id, parameters) VALUES ($1, $2, $3, $4)");
        command.Parameters.AddWithValue(sweepId);
        command.Parameters.AddWithValue(trial.Number);
        command.Parameters.AddWithValue(trial.RunId);
        command.Parameters.Add(TeamStore.JsonParameter(trial.Parameters));
        command.ExecuteNonQuery();
    }

    /// <summary>Not used on a team: the trainer holding a trial records its rungs (<see cref="TeamStore.JudgeRung"/>).</summary>
    public void SetRungs(int sweepId, int number, IReadOnlyList<RungResult> rungs) =>
        throw new InvalidOperationException("On a team the trainers judge trials at their rungs.");

    public bool Delete(int id)
    {
        using var command = _source.CreateCommand("DELETE FROM sweeps WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return command.ExecuteNonQuery() > 0;
    }

    public StoredSweep? Get(int id) => Query(id).FirstOrDefault();

    public IReadOnlyList<StoredSweep> List() => Query(null);

    private List<StoredSweep> Query(int? id)
    {
        using var connection = _source.OpenConnection();
        var trials = new Dictionary<int, List<StoredTrial>>();
        using (var command = new NpgsqlCommand($"SELECT sweep_id, number, run_id, parameters, rungs FROM sweep_trials {(id is null ? "" : "WHERE sweep_id = $1")} ORDER BY sweep_id, number", connection))
        {
            if (id is not null)
            {
                command.Parameters.AddWithValue(id.Value);
            }
            using var row = command.ExecuteReader();
            while (row.Read())
            {
                var list = trials.TryGetValue(row.GetInt32(0), out var found) ? found : trials[row.GetInt32(0)] = [];
                list.Add(new StoredTrial(row.GetInt32(1), row.GetInt32(2), TeamStore.Read<Dictionary<string, JsonElement>>(row, 3)!, TeamStore.Read<List<RungResult>>(row, 4)!));
            }
        }
        var sweeps = new List<StoredSweep>();
        using (var command = new NpgsqlCommand($"SELECT id, spec, budget, status, created_at, finished_at, error FROM sweeps {(id is null ? "" : "WHERE id = $1")} ORDER BY id DESC", connection))
        {
            if (id is not null)
            {
                command.Parameters.AddWithValue(id.Value);
            }
            using var row = command.ExecuteReader();
            while (row.Read())
            {
                var sweep = row.GetInt32(0);
                sweeps.Add(new StoredSweep(sweep, TeamStore.Read<SweepSpec>(row, 1)!, row.GetInt32(2), Enum.Parse<SweepStatus>(row.GetString(3)),
                    row.GetFieldValue<DateTimeOffset>(4), row.IsDBNull(5) ? null : row.GetFieldValue<DateTimeOffset>(5),
                    trials.GetValueOrDefault(sweep) ?? [], row.IsDBNull(6) ? null : row.GetString(6)));
            }
        }
        return sweeps;
    }

    public void Dispose() => _source.Dispose();
}
