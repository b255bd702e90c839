using Dashboard.Server.Security;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>POST /api/lr-find: the learning-rate range test for a run configuration (operator only: it takes the cores).</summary>
public static class LearningRateApi
{
    public static IEndpointRouteBuilder MapLearningRateApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/lr-find", Find).WithTags("Runs").RequireAuthorization(OperatorAccess.Policy)
            .WithMetadata(new RequestSizeLimitAttribute(RunsApi.MaxBodyBytes));
        return app;
    }

    private static async Task<Results<Ok<LrFindResult>, ValidationProblem, Conflict<ProblemDetails>>> Find(LrFindRequest request,
        Runs.LearningRateService finder, CancellationToken cancellation)
    {
        var outcome = await finder.FindAsync(request, cancellation: cancellation);
        return outcome switch
        {
            { Result: { } result } => TypedResults.Ok(result),
            { Busy: true } => TypedResults.Conflict(new ProblemDetails
            {
                Title = "Another learning-rate sweep is running on this server; try again when it ends.", Status = 409,
            }),
            _ => TypedResults.ValidationProblem(outcome.Errors, title: "The learning-rate sweep cannot run."),
        };
    }
}
