using Dashboard.Server.Sweeps;
using Dashboard.Shared.Platform;
using Dashboard.Shared.Sweeps;

namespace Dashboard.Server.Security;

/// <summary>The pages' sweep service: anyone may watch; starting, stopping, resuming and deleting need the operator on a shared server.</summary>
public sealed class GuardedSweepService(SweepService sweeps, IOperatorGate gate) : ISweepService
{
    public event Action<int>? SweepChanged
    {
        add => sweeps.SweepChanged += value;
        remove => sweeps.SweepChanged -= value;
    }

    public StartSweepResult Start(SweepSpec spec) => gate.MayControl
        ? sweeps.Start(spec)
        : new StartSweepResult(null, new Dictionary<string, string[]> { ["operator"] = [OperatorGate.Refusal] });

    public SweepRecord? Get(int id) => sweeps.Get(id);

    public IReadOnlyList<SweepRecord> List() => sweeps.List();

    public (int Sweep, int Number)? TrialOf(int runId) => sweeps.TrialOf(runId);

    public bool Stop(int id) => gate.MayControl && sweeps.Stop(id);

    public string? Resume(int id) => gate.MayControl ? sweeps.Resume(id) : OperatorGate.Refusal;

    public DeleteSweepResult Delete(int id) => gate.MayControl ? sweeps.Delete(id) : DeleteSweepResult.Forbidden;
}
