using Dashboard.Shared.Runs;

namespace Dashboard.Client.Components;

/// <summary>
/// Which live health samples a run page hands its health panel: the first of each epoch with measured layers, any that
/// raised an alert, and otherwise one every interval. Its heatmaps draw a live sample at most every 10 s (apex.js), so building and sending
/// six heatmaps' options to every watching page at each sample (about one a second) was work most of which no page drew.
/// </summary>
public sealed class LiveHealthPace(TimeSpan interval)
{
    private int? _epoch;
    private TimeSpan _passedAt;

    /// <summary>Whether the sample, arriving at `now` (any monotonic clock), is handed on.</summary>
    public bool Pass(HealthSample sample, TimeSpan now)
    {
        if (sample.Epoch == _epoch && sample.NewAlerts.Count == 0 && now - _passedAt < interval)
        {
            return false;
        }
        // A first-epoch warm-up's alert comes with no layers measured yet: the epoch's first measured sample still passes.
        (_epoch, _passedAt) = (sample.Health.Samples > 0 ? sample.Epoch : null, now);
        return true;
    }
}
