using Npgsql;

namespace Dashboard.Server.Sweeps;

/// <summary>
/// Who starts a sweep's trials and who judges them at their rungs. The single process does both. On a team, one front-end at
/// a time starts trials (it holds a PostgreSQL advisory lock; when it dies the lock goes with its connection and another
/// takes over), and the trainer holding a trial's lease judges it, in the same fenced transaction as its other writes.
/// </summary>
public interface ISweepOwner
{
    /// <summary>Whether this host's sweep service judges trials at their rungs (false on a team: the trainers do).</summary>
    bool JudgesRungs { get; }

    /// <summary>How often a host that does not hear every run's end looks at the running sweeps; null: never (it hears them all).</summary>
    TimeSpan? Poll { get; }

    /// <summary>True while this host is the one that starts trials; tries to become it when nobody is.</summary>
    bool Owns();
}

public sealed class SingleProcessSweepOwner : ISweepOwner
{
    public bool JudgesRungs => true;
    public TimeSpan? Poll => null;
    public bool Owns() => true;
}

/// <summary>A team front-end: the owner is whoever holds the session advisory lock <see cref="LockKey"/> on its own connection.</summary>
public sealed class TeamSweepOwner(string connectionString, TimeSpan poll) : ISweepOwner, IDisposable
{
    public const long LockKey = 7303; // 7301: the runs schema, 7302: the datasets schema, (7304, sweep): a sweep's rung judgements

    private readonly object _gate = new();
    private NpgsqlConnection? _held;

    public bool JudgesRungs => false;
    public TimeSpan? Poll => poll;

    public bool Owns()
    {
        lock (_gate)
        {
            try
            {
                if (_held is not null)
                {
                    using var alive = new NpgsqlCommand("SELECT 1", _held);
                    alive.ExecuteScalar();
                    return true;
                }
                var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
                connection.Open();
                using var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockKey})", connection);
                if ((bool)take.ExecuteScalar()!)
                {
                    _held = connection;
                    return true;
                }
                connection.Dispose();
                return false;
            }
            catch (Exception e) when (Team.TeamStore.IsFault(e))
            {
                // The connection (and with it the lock) is gone: another front-end may take over.
                _held?.Dispose();
                _held = null;
                return false;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _held?.Dispose();
            _held = null;
        }
    }
}
