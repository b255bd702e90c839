using Dashboard.Server.Runs;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>/api/runs: create, list, get, stop, delete runs and download checkpoints.</summary>
public static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs").WithTags("Runs");
        api.MapPost("/", Create);
        api.MapGet("/", List);
        api.MapGet("/{id:int}", Get);
        api.MapPost("/{id:int}/stop", Stop);
        api.MapDelete("/{id:int}", Delete);
        api.MapGet("/{id:int}/checkpoint", Checkpoint);
        return app;
    }

    private static Results<Created<RunRecord>, ValidationProblem> Create(RunConfig config, RunService runs)
    {
        var result = runs.Start(config);
        return result.Run is { } run
            ? TypedResults.Created($"/api/runs/{run.Id}", run)
            : TypedResults.ValidationProblem(result.Errors, title: "The run configuration is not valid.");
    }

    private static Ok<IReadOnlyList<RunRecord>> List(RunService runs) => TypedResults.Ok(runs.List());

    private static Results<Ok<RunRecord>, NotFound<ProblemDetails>> Get(int id, RunService runs) =>
        runs.Get(id) is { } run ? TypedResults.Ok(run) : NotFound(id);

    private static Results<Accepted, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Stop(int id, RunService runs) =>
        runs.Stop(id) switch
        {
            StopRunResult.Stopping => TypedResults.Accepted($"/api/runs/{id}"),
            StopRunResult.NotActive => TypedResults.Conflict(new ProblemDetails { Title = $"Run {id} is not queued or running.", Status = 409 }),
            _ => NotFound(id),
        };

    private static Results<NoContent, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Delete(int id, RunService runs) =>
        runs.Delete(id) switch
        {
            DeleteRunResult.Deleted => TypedResults.NoContent(),
            DeleteRunResult.Active => TypedResults.Conflict(new ProblemDetails { Title = $"Run {id} is queued or running: stop it first.", Status = 409 }),
            _ => NotFound(id),
        };

    private static Results<PhysicalFileHttpResult, NotFound<ProblemDetails>> Checkpoint(int id, RunService runs) =>
        runs.CheckpointFile(id) is { } path
            ? TypedResults.PhysicalFile(path, "application/octet-stream", $"run-{id}.pt")
            : TypedResults.NotFound(new ProblemDetails { Title = $"Run {id} has no checkpoint.", Status = 404 });

    private static NotFound<ProblemDetails> NotFound(int id) =>
        TypedResults.NotFound(new ProblemDetails { Title = $"Run {id} does not exist.", Status = 404 });
}
