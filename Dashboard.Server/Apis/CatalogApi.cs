using Dashboard.Server.Inference;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>/api/datasets and /api/presets: what can be trained here.</summary>
public static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/datasets", (ITrainingCatalog catalog) => TypedResults.Ok(catalog.Datasets())).WithTags("Catalog");
        app.MapGet("/api/presets", (ITrainingCatalog catalog) => TypedResults.Ok(catalog.Presets())).WithTags("Catalog");
        app.MapGet("/api/recipes", (ITrainingCatalog catalog) => TypedResults.Ok(catalog.Recipes())).WithTags("Catalog");
        app.MapGet("/api/datasets/{name}/overview", Overview).WithTags("Catalog");
        app.MapGet("/api/datasets/{name}/samples", Samples).WithTags("Catalog");
        app.MapGet("/api/datasets/{name}/samples.png", SampleSheet).WithTags("Catalog");
        app.MapGet("/api/devices", (ITrainingCatalog catalog) => TypedResults.Ok(catalog.Devices())).WithTags("Catalog");
        return app;
    }

    private static Results<Ok<DatasetOverview>, NotFound<ProblemDetails>> Overview(string name, IDatasetExplorer explorer) =>
        explorer.Overview(name) is { } overview ? TypedResults.Ok(overview) : Missing(name);

    /// <summary>Random training images; pixels are base64 bytes (C x H x W, 0-255).</summary>
    private static Results<Ok<IReadOnlyList<DatasetImage>>, NotFound<ProblemDetails>, ValidationProblem> Samples(
        string name, IDatasetExplorer explorer, int count = 24, int seed = 1)
    {
        if (count is < 1 or > Dashboard.Server.Training.Datasets.DatasetExplorer.MaxSample)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["count"] = [$"must be between 1 and {Dashboard.Server.Training.Datasets.DatasetExplorer.MaxSample}, got {count}."],
            });
        }
        return explorer.Overview(name) is null ? Missing(name) : TypedResults.Ok(explorer.Sample(name, count, seed));
    }

    /// <summary>The same random training images as one PNG contact sheet (10 a row, twice their size).</summary>
    private static IResult SampleSheet(string name, IDatasetExplorer explorer, int count = 24, int seed = 1) =>
        Samples(name, explorer, count, seed).Result switch
        {
            Ok<IReadOnlyList<DatasetImage>> { Value: [var first, ..] images } =>
                TypedResults.File(ImageFiles.Sheet([.. images.Select(i => i.Pixels)], first.Channels, first.Height, first.Width, columns: 10, scale: 2), "image/png"),
            var other => other,
        };

    private static NotFound<ProblemDetails> Missing(string name) =>
        TypedResults.NotFound(new ProblemDetails { Title = $"Dataset '{name}' is unknown or not installed.", Status = 404 });
}
