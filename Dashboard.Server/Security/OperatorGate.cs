using Dashboard.Server.Runs;
using Dashboard.Server.Samples;
using Dashboard.Shared.Platform;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Samples;
using Microsoft.AspNetCore.Components.Authorization;

namespace Dashboard.Server.Security;

/// <summary>The operator rule for one Blazor circuit, from the user its connection authenticated as.</summary>
public sealed class OperatorGate(AuthenticationStateProvider authentication, OperatorAccess access) : IOperatorGate
{
    public const string Refusal = "Only the operator may do this on a shared server: log in on /login.";

    public bool MayControl => access.MayControl(User);

    public bool Protected => access.Protected(User);

    // A circuit's authentication state is known when it starts; until then nobody may control.
    private System.Security.Claims.ClaimsPrincipal? User =>
        authentication.GetAuthenticationStateAsync() is { IsCompletedSuccessfully: true } state ? state.Result.User : null;
}

/// <summary>The run service as the pages see it: control actions pass the operator gate first.</summary>
public sealed class GuardedRunService(IRunControl runs, IOperatorGate gate) : IRunService
{
    public event Action<RunRecord>? RunChanged
    {
        add => runs.RunChanged += value;
        remove => runs.RunChanged -= value;
    }

    public event Action<RunBatch>? BatchProgressed
    {
        add => runs.BatchProgressed += value;
        remove => runs.BatchProgressed -= value;
    }

    public event Action<RunHealth>? HealthSampled
    {
        add => runs.HealthSampled += value;
        remove => runs.HealthSampled -= value;
    }

    public StartRunResult Start(RunConfig config)
    {
        if (!gate.MayControl)
        {
            return new StartRunResult(null, new Dictionary<string, string[]> { ["operator"] = [OperatorGate.Refusal] });
        }
        try
        {
            return runs.Start(config);
        }
        catch (Exception e) when (Storage.Database.IsFault(e))
        {
            return new StartRunResult(null, new Dictionary<string, string[]> { ["storage"] = [e.Message] });
        }
    }

    public StopRunResult Stop(int id) => gate.MayControl ? runs.Stop(id) : StopRunResult.Forbidden;

    public DeleteRunResult Delete(int id) => gate.MayControl ? runs.Delete(id) : DeleteRunResult.Forbidden;

    public ResumeRunResult Resume(int id)
    {
        if (!gate.MayControl)
        {
            return new ResumeRunResult(null, OperatorGate.Refusal);
        }
        try
        {
            return runs.Resume(id);
        }
        catch (Exception e) when (Storage.Database.IsFault(e))
        {
            return new ResumeRunResult(null, $"Storage is unavailable: {e.Message}");
        }
    }

    public RunRecord? Get(int id) => runs.Get(id);

    public IReadOnlyList<RunRecord> List() => runs.List();

    public IReadOnlyList<RunRecord> Active() => runs.Active();

    public IReadOnlyList<StepMetrics> Steps(int id) => runs.Steps(id);
}

/// <summary>The sample service as the pages see it: saving and deleting pass the operator gate first.</summary>
public sealed class GuardedSampleService(SampleService samples, IOperatorGate gate) : ISampleService
{
    public IReadOnlyList<SavedSample> List(string dataset) => samples.List(dataset);

    public SaveSampleResult Save(NewSample sample) =>
        gate.MayControl ? samples.Save(sample) : new SaveSampleResult(null, new Dictionary<string, string[]> { ["operator"] = [OperatorGate.Refusal] });

    public bool Delete(int id) => gate.MayControl && samples.Delete(id);
}

/// <summary>The trainer hosts as the pages see them: draining one passes the operator gate first.</summary>
public sealed class GuardedTrainerDirectory(Team.TrainerDirectory trainers, IOperatorGate gate) : ITrainerDirectory
{
    public bool IsTeam => trainers.IsTeam;

    public IReadOnlyList<TrainerView> Trainers() => trainers.Trainers();

    public bool Drain(string name) => gate.MayControl && trainers.Drain(name);
}

/// <summary>The learning-rate finder as the pages see it: a sweep passes the operator gate first (it takes the cores).</summary>
public sealed class GuardedLearningRateFinder(Runs.LearningRateService finder, IOperatorGate gate) : ILearningRateFinder
{
    public Task<LrFindOutcome> FindAsync(LrFindRequest request, IProgress<double>? progress = null, CancellationToken cancellation = default) =>
        gate.MayControl
            ? finder.FindAsync(request, progress, cancellation)
            : Task.FromResult(new LrFindOutcome(null, new Dictionary<string, string[]> { ["operator"] = [OperatorGate.Refusal] }));
}

/// <summary>The imports as the pages see them: starting, surveying a server folder, cancelling, renaming and deleting pass the operator gate first.</summary>
public sealed class GuardedDatasetImports(Imports.DatasetImports imports, IOperatorGate gate) : Dashboard.Shared.Datasets.IDatasetImports
{
    public event Action<Dashboard.Shared.Datasets.DatasetImport>? Changed
    {
        add => imports.Changed += value;
        remove => imports.Changed -= value;
    }

    public IReadOnlyList<Dashboard.Shared.Datasets.DatasetImport> Recent() => imports.Recent();

    public Dashboard.Shared.Datasets.DatasetImport? Get(string name) => imports.Get(name);

    public (Dashboard.Shared.Datasets.ImportSurvey? Survey, string? Problem) SurveyFolder(string folder)
    {
        if (!gate.MayControl)
        {
            return (null, OperatorGate.Refusal);
        }
        try
        {
            return (imports.SurveyFolder(folder), null);
        }
        catch (Imports.ImportException e)
        {
            return (null, e.Message);
        }
    }

    public Dashboard.Shared.Datasets.ImportStartOutcome Start(Dashboard.Shared.Datasets.ImportRequest request)
    {
        if (!gate.MayControl)
        {
            return new(null, new Dictionary<string, string[]> { ["operator"] = [OperatorGate.Refusal] });
        }
        var result = imports.Start(request);
        return new(result.Import, result.Errors ?? new Dictionary<string, string[]>());
    }

    public bool Cancel(string name) => gate.MayControl && imports.Cancel(name);

    public string? Rename(string name, string newName) => gate.MayControl ? imports.Rename(name, newName).Problem : OperatorGate.Refusal;

    public string? Delete(string name) => gate.MayControl ? imports.Delete(name).Problem : OperatorGate.Refusal;
}
