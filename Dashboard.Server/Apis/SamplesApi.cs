using Dashboard.Server.Samples;
using Dashboard.Server.Security;
using Dashboard.Shared.Samples;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>/api/samples: users' labelled samples, saved from the Draw page or by scripts.</summary>
public static class SamplesApi
{
    /// <summary>A 3x32x32 sample as JSON is about 20 KB; larger bodies are refused before they are read.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapSamplesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/samples").WithTags("Samples");
        api.MapGet("/", List);
        api.MapPost("/", Save).WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes)).RequireAuthorization(OperatorAccess.Policy);
        api.MapDelete("/{id:int}", Delete).RequireAuthorization(OperatorAccess.Policy);
        app.MapGet("/api/samples.csv", Csv).WithTags("Samples");
        return app;
    }

    private static Ok<IReadOnlyList<SavedSample>> List(SampleService samples, string dataset = "mnist") => TypedResults.Ok(samples.List(dataset));

    private static Results<Created<SavedSample>, ValidationProblem> Save(NewSample sample, SampleService samples)
    {
        var result = samples.Save(sample);
        return result.Sample is { } saved
            ? TypedResults.Created($"/api/samples/{saved.Id}", saved)
            : TypedResults.ValidationProblem(result.Errors, title: "The sample is not valid.");
    }

    private static Results<NoContent, NotFound<ProblemDetails>> Delete(int id, SampleService samples) =>
        samples.Delete(id) ? TypedResults.NoContent() : TypedResults.NotFound(new ProblemDetails { Title = $"Sample {id} does not exist.", Status = 404 });

    private static IResult Csv(SampleService samples, Training.Datasets.DatasetCatalog datasets, string dataset = "mnist")
    {
        if (datasets.Find(dataset) is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["dataset"] = [$"Unknown dataset '{dataset}'."] });
        }
        return TypedResults.Stream(async stream =>
        {
            await using var writer = new StreamWriter(stream);
            await samples.WriteCsv(dataset, writer);
        }, "text/csv", $"{dataset}-samples.csv");
    }
}
