using Dashboard.Server.Security;
using Dashboard.Server.Team;
using Dashboard.Shared.Platform;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>/api/trainers: a team server's trainer hosts, and draining one (empty on a single-process server).</summary>
public static class TrainersApi
{
    public static IEndpointRouteBuilder MapTrainersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/trainers").WithTags("Trainers");
        api.MapGet("/", (TrainerDirectory trainers) => TypedResults.Ok(trainers.Trainers()));
        api.MapPost("/{name}/drain", Drain).RequireAuthorization(OperatorAccess.Policy);
        return app;
    }

    private static Results<Accepted, NotFound<ProblemDetails>> Drain(string name, TrainerDirectory trainers) =>
        trainers.Drain(name)
            ? TypedResults.Accepted((string?)null)
            : TypedResults.NotFound(new ProblemDetails { Title = $"There is no trainer host '{name}'.", Status = StatusCodes.Status404NotFound });
}
