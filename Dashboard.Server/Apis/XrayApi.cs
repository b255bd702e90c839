using Dashboard.Server.Inference;
using Dashboard.Shared.Inference;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>The body of POST /api/runs/{id}/xray: one image's C x H x W values in [0, 1], and how many channels per layer.</summary>
public sealed record XrayRequest(float[]? Pixels, int Channels = 16, int? Epoch = null);

/// <summary>The body of POST /api/runs/{id}/explain: the image, the class to explain and optionally the class it is weighed against.</summary>
public sealed record ExplainRequest(float[]? Pixels, int Target, int? Other = null, string[]? Methods = null, int? Epoch = null);

/// <summary>The body of POST /api/runs/{id}/embedding/place: one image, and the map (its number of test images) to place it on.</summary>
public sealed record PlaceRequest(float[]? Pixels, int Images = 2000);

/// <summary>The X-ray, attributions, filters and embedding map of a run's network (anyone may read them, as predict).</summary>
public static class XrayApi
{
    public static IEndpointRouteBuilder MapXrayApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs/{id:int}").WithTags("Inspect");
        api.MapPost("/xray", (int id, XrayRequest request, XrayService xray) =>
            RunRequestResults.Answer(() => xray.Xray(id, Pixels(request.Pixels), request.Channels, request.Epoch), "pixels"))
            .WithMetadata(new RequestSizeLimitAttribute(PredictApi.MaxJsonBytes));
        api.MapPost("/explain", (int id, ExplainRequest request, XrayService xray) =>
            RunRequestResults.Answer(() => xray.Explain(id, Pixels(request.Pixels), request.Target, request.Other,
                request.Methods ?? [.. AttributionMethods.All], request.Epoch), "pixels"))
            .WithMetadata(new RequestSizeLimitAttribute(PredictApi.MaxJsonBytes));
        api.MapGet("/layers/{layer:int}/filters/{channel:int}", (int id, int layer, int channel, XrayService xray) =>
            RunRequestResults.Answer(() => xray.Filter(id, layer, channel), "layer"));
        api.MapGet("/epochs", (int id, PredictionService predictions) => TypedResults.Ok(predictions.KeptEpochs(id)));
        api.MapGet("/embedding", (int id, XrayService xray, int images = 2000) =>
            RunRequestResults.Answer(() => xray.Embedding(id, images), "images"));
        api.MapPost("/embedding/place", (int id, PlaceRequest request, XrayService xray) =>
            RunRequestResults.Answer(() => xray.Place(id, Pixels(request.Pixels), request.Images), "pixels"))
            .WithMetadata(new RequestSizeLimitAttribute(PredictApi.MaxJsonBytes));
        return app;
    }

    private static float[] Pixels(float[]? pixels) =>
        pixels ?? throw new Runs.RunRequestException("pixels: required, the image's C x H x W values in [0, 1].", notFound: false);
}
