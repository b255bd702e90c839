using System.Text.Json;
using Dashboard.Shared.Runs;
using StackExchange.Redis;

namespace Dashboard.Server.Team;

/// <summary>
/// Live hints between hosts over Redis pub/sub: a trainer says "run N changed" after each write to
/// PostgreSQL, and sends its batch progress; front-ends then read the store at once instead of at
/// their next look. PostgreSQL stays the truth: a hint lost while Redis is away only delays a page
/// until the front-end's next look. Connects in the background and reconnects by itself.
/// </summary>
public sealed class TeamSignals : IDisposable
{
    private static readonly RedisChannel Changed = RedisChannel.Literal("dashboard:run-changed");
    private static readonly RedisChannel Progress = RedisChannel.Literal("dashboard:batch");
    private static readonly RedisChannel Health = RedisChannel.Literal("dashboard:health");
    private static readonly RedisChannel Steps = RedisChannel.Literal("dashboard:steps");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConnectionMultiplexer _redis;

    public TeamSignals(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false; // a Redis that is down at start is connected later
        _redis = ConnectionMultiplexer.Connect(options);
    }

    public void RunChanged(int runId) => Publish(Changed, runId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void BatchProgressed(RunBatch batch) => Publish(Progress, JsonSerializer.Serialize(batch, Json));

    /// <summary>A measured batch's health; its epoch's summary is stored with the epoch, so a lost one is only a live view missed.</summary>
    public void HealthSampled(RunHealth health) => Publish(Health, JsonSerializer.Serialize(health, Json));

    /// <summary>A run has new step points, sent after they are stored: front-ends read the points after the last they told.</summary>
    public void StepsAdded(int runId) => Publish(Steps, runId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Calls back on Redis's own threads; handlers must be quick.</summary>
    public void Subscribe(Action<int> runChanged, Action<RunBatch> batchProgressed, Action<RunHealth> healthSampled, Action<int> stepsAdded)
    {
        var subscriber = _redis.GetSubscriber();
        subscriber.Subscribe(Changed, (_, message) =>
        {
            if (int.TryParse(message.ToString(), out var id))
            {
                runChanged(id);
            }
        });
        subscriber.Subscribe(Progress, (_, message) =>
        {
            if (JsonSerializer.Deserialize<RunBatch>(message.ToString(), Json) is { } batch)
            {
                batchProgressed(batch);
            }
        });
        subscriber.Subscribe(Steps, (_, message) =>
        {
            if (int.TryParse(message.ToString(), out var id))
            {
                stepsAdded(id);
            }
        });
        subscriber.Subscribe(Health, (_, message) =>
        {
            if (JsonSerializer.Deserialize<RunHealth>(message.ToString(), Json) is { } health)
            {
                healthSampled(health);
            }
        });
    }

    private void Publish(RedisChannel channel, string message)
    {
        // Fire and forget: a hint that cannot be sent is a delay, not a loss.
        _ = _redis.GetSubscriber().PublishAsync(channel, message, CommandFlags.FireAndForget);
    }

    public void Dispose() => _redis.Dispose();
}
