using Dashboard.Server.Inference;
using Dashboard.Shared.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>One image to classify: C x H x W values in [0, 1], row by row (784 for MNIST).</summary>
public sealed record PredictRequest(float[]? Pixels);

/// <summary>POST /api/runs/{id}/predict: classify an image with a run's checkpoint.</summary>
public static class PredictApi
{
    /// <summary>Far above a 3x32x32 image as JSON; anything larger is refused before it is read.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapPredictApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/runs/{id:int}/predict", Predict)
            .WithTags("Runs")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        return app;
    }

    private static Results<Ok<Prediction>, ValidationProblem, NotFound<ProblemDetails>> Predict(int id, PredictRequest request, PredictionService predictions)
    {
        if (request.Pixels is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pixels"] = ["is required: C x H x W values in [0, 1]."] });
        }
        try
        {
            return TypedResults.Ok(predictions.Predict(id, request.Pixels));
        }
        catch (PredictionException e) when (e.NotFound)
        {
            return TypedResults.NotFound(new ProblemDetails { Title = e.Message, Status = 404 });
        }
        catch (PredictionException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pixels"] = [e.Message] });
        }
    }
}
