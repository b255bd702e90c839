using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Server.Apis;

/// <summary>/api/datasets and /api/presets: what can be trained here.</summary>
public static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/datasets", (ITrainingCatalog catalog) => TypedResults.Ok(catalog.Datasets())).WithTags("Catalog");
        app.MapGet("/api/presets", (ITrainingCatalog catalog) => TypedResults.Ok(catalog.Presets())).WithTags("Catalog");
        app.MapGet("/api/devices", (ITrainingCatalog catalog) => TypedResults.Ok(catalog.Devices())).WithTags("Catalog");
        return app;
    }
}
