using Dashboard.Server.Security;
using Dashboard.Server.Sweeps;
using Dashboard.Shared.Sweeps;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>/api/sweeps: create, list, get, stop, resume and delete hyperparameter sweeps (each trial is a run of /api/runs).</summary>
public static class SweepsApi
{
    /// <summary>A sweep's specification is a run configuration and a search space: a few KB.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapSweepsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sweeps").WithTags("Sweeps");
        api.MapPost("/", Create).RequireAuthorization(OperatorAccess.Policy).WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        api.MapGet("/", (SweepService sweeps) => TypedResults.Ok(sweeps.List()));
        api.MapGet("/{id:int}", Get);
        api.MapPost("/{id:int}/stop", Stop).RequireAuthorization(OperatorAccess.Policy);
        api.MapPost("/{id:int}/resume", Resume).RequireAuthorization(OperatorAccess.Policy);
        api.MapDelete("/{id:int}", Delete).RequireAuthorization(OperatorAccess.Policy);
        return app;
    }

    private static Results<Created<SweepRecord>, ValidationProblem> Create(SweepSpec spec, SweepService sweeps)
    {
        var result = sweeps.Start(spec);
        return result.Sweep is { } sweep
            ? TypedResults.Created($"/api/sweeps/{sweep.Id}", sweep)
            : TypedResults.ValidationProblem(result.Errors, title: "The sweep is not valid.");
    }

    private static Results<Ok<SweepRecord>, NotFound<ProblemDetails>> Get(int id, SweepService sweeps) =>
        sweeps.Get(id) is { } sweep ? TypedResults.Ok(sweep) : NotFound(id);

    private static Results<Accepted<SweepRecord>, NotFound<ProblemDetails>> Stop(int id, SweepService sweeps) =>
        sweeps.Stop(id) ? TypedResults.Accepted($"/api/sweeps/{id}", sweeps.Get(id)) : NotFound(id);

    private static Results<Accepted<SweepRecord>, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Resume(int id, SweepService sweeps) =>
        sweeps.Resume(id) switch
        {
            null => NotFound(id),
            "" => TypedResults.Accepted($"/api/sweeps/{id}", sweeps.Get(id)),
            var problem => TypedResults.Conflict(new ProblemDetails { Title = problem, Status = 409 }),
        };

    private static Results<NoContent, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Delete(int id, SweepService sweeps) =>
        sweeps.Delete(id) switch
        {
            DeleteSweepResult.Deleted => TypedResults.NoContent(),
            DeleteSweepResult.Running => TypedResults.Conflict(new ProblemDetails { Title = $"Sweep {id} has trials queued or training: stop it first.", Status = 409 }),
            _ => NotFound(id),
        };

    private static NotFound<ProblemDetails> NotFound(int id) =>
        TypedResults.NotFound(new ProblemDetails { Title = $"Sweep {id} does not exist.", Status = 404 });
}
