using System.Text.Json;
using Dashboard.Server.Imports;
using Dashboard.Server.Inference;
using Dashboard.Server.Runs;
using Dashboard.Shared.Inference;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>
/// One image to classify, C x H x W row by row (784 for MNIST, 3072 for CIFAR-10): either Pixels,
/// values in [0, 1], or Bytes, 0-255 (base64 in JSON). Exactly one of the two.
/// </summary>
/// <remarks>Epoch: predict with the weights the run kept after that epoch instead of its final ones.</remarks>
public sealed record PredictRequest(float[]? Pixels, byte[]? Bytes = null, int? Epoch = null);

/// <summary>
/// POST /api/runs/{id}/predict: classify an image with a run's checkpoint. The body is JSON
/// (<see cref="PredictRequest"/>), an image file (<c>image/*</c>) or a multipart form with the
/// file in the field <c>image</c>; a file goes through <see cref="UploadPipeline"/> and the
/// answer carries the image the model saw as a PNG.
/// </summary>
public static class PredictApi
{
    /// <summary>The largest JSON body, far above a 3x32x32 image as JSON.</summary>
    public const long MaxJsonBytes = 256 * 1024;

    /// <summary>The largest body: an image file of <see cref="ImageLimits.MaxFileBytes"/> and a form's overhead.</summary>
    public const long MaxBodyBytes = ImageLimits.MaxFileBytes + 64 * 1024;

    public static IEndpointRouteBuilder MapPredictApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/runs/{id:int}/predict", Predict)
            .WithTags("Runs")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .DisableAntiforgery();
        app.MapPost("/api/runs/{id:int}/classify", Classify)
            .WithTags("Runs")
            .DisableAntiforgery();
        return app;
    }

    /// <summary>The most pictures one classify request takes (files and archive entries).</summary>
    public const int MaxClassifyPictures = 10_000;

    /// <summary>The largest classify body: 1 GiB.</summary>
    public const long MaxClassifyBytes = 1024L * 1024 * 1024;

    /// <summary>
    /// Multipart with one or more pictures in <c>image</c> fields, or one zip in <c>archive</c>: every picture through the
    /// run's own picture pipeline, answered as JSON (<see cref="ClassifyResult"/>) or, with Accept: text/csv, as CSV.
    /// ?thumbnails=true adds each picture as the network saw it (a PNG) to the JSON.
    /// </summary>
    private static async Task<IResult> Classify(int id, HttpRequest request, PredictionService predictions, DatasetImports imports, ImportLimits limits,
        bool thumbnails = false, CancellationToken cancellation = default)
    {
        var (form, refused) = await MultipartForm.ReadOrRefuseAsync(request, imports.NewUploadFile, Math.Max(ImageLimits.MaxFileBytes, limits.MaxUploadBytes),
            MaxClassifyBytes, "The pictures were refused.", cancellation);
        if (form is null)
        {
            return refused!;
        }
        using (form)
        {
            var images = form.Files.Where(f => f.Field == "image").ToList();
            var archives = form.Files.Where(f => f.Field == "archive").ToList();
            if ((images.Count == 0) == (archives.Count == 0) || archives.Count > 1)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["image"] = ["send one or more pictures in 'image' fields, or one zip in an 'archive' field."],
                });
            }
            if (images.Count > MaxClassifyPictures)
            {
                return TooLarge($"at most {MaxClassifyPictures:N0} pictures a request.");
            }
            using var source = archives.Count == 1 ? new ZipSource(archives[0].Path, archives[0].FileName, limits.ForPictures(MaxClassifyPictures)) : null;
            List<(string File, Func<byte[]> Read)> pictures;
            if (source is not null)
            {
                try
                {
                    var listing = source.List();
                    pictures = [.. listing.Paths.Select((path, i) => (path, (Func<byte[]>)(() => ((PictureFile)source.Read(i)).Bytes)))];
                }
                catch (ImportException e)
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["archive"] = [e.Message] });
                }
            }
            else
            {
                pictures = [.. images.Select(f => (f.FileName, (Func<byte[]>)(() => f.Length > ImageLimits.MaxFileBytes
                    ? throw new ImageRejectedException($"the image is {f.Length:N0} bytes; the limit is {ImageLimits.MaxFileBytes:N0}.")
                    : File.ReadAllBytes(f.Path))))];
            }
            var answer = RunRequestResults.Answer(() => predictions.Classify(id, pictures, thumbnails), "image");
            if (answer.Result is Ok<ClassifyResult> { Value: { } result } && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)))
            {
                return TypedResults.Text(result.ToCsv(), "text/csv");
            }
            return answer;
        }
    }

    private static async Task<IResult> Predict(int id, HttpRequest request, PredictionService predictions, CancellationToken cancellation)
    {
        try
        {
            if (request.HasJsonContentType())
            {
                return request.ContentLength > MaxJsonBytes ? TooLarge($"a JSON body is limited to {MaxJsonBytes / 1024} KiB.") : await FromJson(id, request, predictions, cancellation);
            }
            if (request.ContentLength > MaxBodyBytes)
            {
                return TooLarge($"an image is limited to {ImageLimits.MaxFileBytes / (1024 * 1024)} MiB.");
            }
            (byte[]? file, string? type) = request.HasFormContentType ? await FromForm(request, cancellation)
                : request.ContentType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) == true ? (await ReadAll(request.Body, cancellation), request.ContentType)
                : throw new RunRequestException("send JSON ({\"pixels\": [...]} or {\"bytes\": \"base64\"}), an image/* body or a multipart form with the file in the field 'image'.", notFound: false);
            if (file is null)
            {
                return TooLarge($"an image is limited to {ImageLimits.MaxFileBytes / (1024 * 1024)} MiB.");
            }
            return RunRequestResults.Answer(() =>
            {
                var upload = predictions.ClassifyUpload(id, file, type);
                var dims = upload.Shape.Dims;
                return upload.Drawing.Prediction with { InputPng = ImageFiles.Png(upload.Drawing.Input, dims[0], dims[1], dims[2]) };
            }, "image");
        }
        catch (RunRequestException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [e.Message] });
        }
        catch (BadHttpRequestException e)
        {
            return TypedResults.Problem(e.Message, statusCode: e.StatusCode);
        }
        catch (InvalidDataException e)
        {
            return TooLarge(e.Message);
        }
    }

    private static async Task<IResult> FromJson(int id, HttpRequest request, PredictionService predictions, CancellationToken cancellation)
    {
        PredictRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<PredictRequest>(JsonSerializerOptions.Web, cancellation);
        }
        catch (JsonException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"not a predict request: {e.Message}"] });
        }
        if (body is null || (body.Pixels is null) == (body.Bytes is null))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["pixels"] = ["give either pixels (C x H x W values in [0, 1]) or bytes (C x H x W values 0-255, base64), not both or neither."],
            });
        }
        return RunRequestResults.Answer(() => predictions.Predict(id, body.Pixels ?? Pixels.FromBytes(body.Bytes), body.Epoch), "pixels");
    }

    private static async Task<(byte[]? File, string? Type)> FromForm(HttpRequest request, CancellationToken cancellation)
    {
        request.HttpContext.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions { MultipartBodyLengthLimit = MaxBodyBytes, ValueCountLimit = 16 }));
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellation);
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            // A body cut before its closing boundary: the client's error, not a storage fault (which IOException means elsewhere).
            throw new BadHttpRequestException($"the multipart body is truncated or malformed: {e.Message}");
        }
        var image = form.Files.GetFile("image")
            ?? throw new RunRequestException("the form has no file in the field 'image'.", notFound: false);
        await using var stream = image.OpenReadStream();
        return (await ReadAll(stream, cancellation), image.ContentType);
    }

    // Null when the stream holds more than an image may.
    private static async Task<byte[]?> ReadAll(Stream body, CancellationToken cancellation)
    {
        using var file = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
        {
            if (file.Length + read > ImageLimits.MaxFileBytes)
            {
                return null;
            }
            file.Write(buffer, 0, read);
        }
        return file.ToArray();
    }

    private static IResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large.");
}
