using Dashboard.Server.Runs;
using Dashboard.Server.Security;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>/api/runs: create, list, get, stop, delete runs and download checkpoints.</summary>
public static class RunsApi
{
    /// <summary>A run configuration, custom layers included, is a few KB; larger bodies are refused before they are read.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs").WithTags("Runs");
        api.MapPost("/", Create).RequireAuthorization(OperatorAccess.Policy)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        api.MapGet("/", List);
        api.MapGet("/{id:int}", Get);
        api.MapPost("/{id:int}/stop", Stop).RequireAuthorization(OperatorAccess.Policy);
        api.MapPost("/{id:int}/resume", Resume).RequireAuthorization(OperatorAccess.Policy);
        api.MapDelete("/{id:int}", Delete).RequireAuthorization(OperatorAccess.Policy);
        api.MapGet("/{id:int}/steps", Steps);
        api.MapGet("/{id:int}/checkpoint", Checkpoint);
        api.MapGet("/{id:int}/model.py", ModelCode);
        return app;
    }

    private static Results<Created<RunRecord>, ValidationProblem> Create(RunConfig config, IRunControl runs)
    {
        var result = runs.Start(config);
        return result.Run is { } run
            ? TypedResults.Created($"/api/runs/{run.Id}", run)
            : TypedResults.ValidationProblem(result.Errors, title: "The run configuration is not valid.");
    }

    private static Ok<IReadOnlyList<RunRecord>> List(IRunControl runs) => TypedResults.Ok(runs.List());

    private static Results<Ok<RunRecord>, NotFound<ProblemDetails>> Get(int id, IRunControl runs) =>
        runs.Get(id) is { } run ? TypedResults.Ok(run) : NotFound(id);

    private static Results<Accepted, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Stop(int id, IRunControl runs) =>
        runs.Stop(id) switch
        {
            StopRunResult.Stopping => TypedResults.Accepted($"/api/runs/{id}"),
            StopRunResult.NotActive => TypedResults.Conflict(new ProblemDetails { Title = $"Run {id} is not queued or running.", Status = 409 }),
            _ => NotFound(id),
        };

    private static Results<Accepted<RunRecord>, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Resume(int id, IRunControl runs) =>
        runs.Resume(id) switch
        {
            { Run: { } run } => TypedResults.Accepted($"/api/runs/{id}", run),
            { NotFound: true } => NotFound(id),
            var refused => TypedResults.Conflict(new ProblemDetails { Title = refused.Problem, Status = 409 }),
        };

    private static Results<NoContent, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Delete(int id, IRunControl runs) =>
        runs.Delete(id) switch
        {
            DeleteRunResult.Deleted => TypedResults.NoContent(),
            DeleteRunResult.Active => TypedResults.Conflict(new ProblemDetails { Title = $"Run {id} is queued or running: stop it first.", Status = 409 }),
            _ => NotFound(id),
        };

    private static Results<Ok<StepHistory>, NotFound<ProblemDetails>, ValidationProblem> Steps(int id, IRunControl runs, RunsOptions options, int? points)
    {
        if (points is < 2 or > 1_000_000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["points"] = ["Give between 2 and 1000000 points."] });
        }
        if (runs.Get(id) is null)
        {
            return NotFound(id);
        }
        var steps = runs.Steps(id);
        // Largest-triangle downsampling on the loss keeps the curve's shape; every point given is a stored one.
        return TypedResults.Ok(new StepHistory(Downsampling.Lttb(steps, points ?? options.StepPoints, s => s.Step, s => s.Loss), steps.Count));
    }

    private static Results<PhysicalFileHttpResult, NotFound<ProblemDetails>> Checkpoint(int id, IRunControl runs) =>
        runs.CheckpointFile(id) is { } path
            ? TypedResults.PhysicalFile(path, "application/octet-stream", $"run-{id}.pt")
            : TypedResults.NotFound(new ProblemDetails { Title = $"Run {id} has no checkpoint.", Status = 404 });

    /// <summary>The run's network as PyTorch source with the same parameter names, and its MEAN and STD.</summary>
    private static Results<ContentHttpResult, NotFound<ProblemDetails>> ModelCode(int id, IRunControl runs) =>
        runs.CheckpointFile(id) is { } path && Training.Checkpoint.ReadCard(path) is { } card
            ? TypedResults.Content(Training.PyTorchCode.Source(card, id), "text/x-python")
            : TypedResults.NotFound(new ProblemDetails { Title = $"Run {id} has no checkpoint yet.", Status = 404 });

    private static NotFound<ProblemDetails> NotFound(int id) =>
        TypedResults.NotFound(new ProblemDetails { Title = $"Run {id} does not exist.", Status = 404 });
}
