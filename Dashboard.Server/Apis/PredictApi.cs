using Dashboard.Server.Inference;
using Dashboard.Shared.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>
/// One image to classify, C x H x W row by row (784 for MNIST, 3072 for CIFAR-10): either Pixels,
/// values in [0, 1], or Bytes, 0-255 (base64 in JSON). Exactly one of the two.
/// </summary>
public sealed record PredictRequest(float[]? Pixels, byte[]? Bytes = null);

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
        if ((request.Pixels is null) == (request.Bytes is null))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["pixels"] = ["give either pixels (C x H x W values in [0, 1]) or bytes (C x H x W values 0-255, base64), not both or neither."],
            });
        }
        return RunRequestResults.Answer(() => predictions.Predict(id, request.Pixels ?? Pixels.FromBytes(request.Bytes)), "pixels");
    }
}
