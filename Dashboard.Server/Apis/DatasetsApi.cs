using System.Globalization;
using System.Text.Json;
using Dashboard.Server.Imports;
using Dashboard.Server.Security;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>
/// /api/datasets: import pictures as a dataset (an uploaded zip or CSV, or a folder on the server), follow the import,
/// cancel it, rename and delete imported datasets. Listing and browsing datasets is <see cref="CatalogApi"/>'s.
/// </summary>
public static class DatasetsApi
{
    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").WithTags("Datasets");
        api.MapPost("/", Create).RequireAuthorization(OperatorAccess.Policy).DisableAntiforgery();
        api.MapPost("/uploads", Upload).RequireAuthorization(OperatorAccess.Policy).DisableAntiforgery();
        api.MapGet("/{name}", Get);
        api.MapDelete("/{name}", Delete).RequireAuthorization(OperatorAccess.Policy);
        api.MapPost("/{name}/cancel", Cancel).RequireAuthorization(OperatorAccess.Policy);
        api.MapPost("/{name}/rename", Rename).RequireAuthorization(OperatorAccess.Policy);
        app.MapGet("/api/imports", (DatasetImports imports) => TypedResults.Ok(imports.Recent())).WithTags("Datasets");
        return app;
    }

    /// <summary>
    /// Multipart: the file in <c>archive</c> (a zip or a .csv) and the options as fields (name, width, height, channels,
    /// resize, invert, background, testFraction, seed). JSON: <see cref="ImportRequest"/> with an upload id or a folder.
    /// </summary>
    private static async Task<IResult> Create(HttpRequest request, DatasetImports imports, ImportLimits limits, CancellationToken cancellation)
    {
        if (request.HasJsonContentType())
        {
            return await FromJson(request, imports, cancellation);
        }
        var (form, refused) = await ReadUpload(request, imports, limits, cancellation);
        if (form is null)
        {
            return refused!;
        }
        using (form)
        {
            var (options, errors) = Options(form.Fields);
            var archive = form.Files.FirstOrDefault(f => f.Field == "archive");
            if (archive is null)
            {
                errors["archive"] = ["the form has no file in the field 'archive' (a zip of class folders, or a CSV)."];
            }
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, title: "The import is not valid.");
            }
            var result = imports.Start(options, new ImportSource(archive!.Path, archive.FileName));
            if (result.Import is not null)
            {
                // The import owns the file now and deletes it when it ends.
                form.Keep(archive);
            }
            return Started(result);
        }
    }

    private static async Task<IResult> FromJson(HttpRequest request, DatasetImports imports, CancellationToken cancellation)
    {
        ImportRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<ImportRequest>(JsonSerializerOptions.Web, cancellation);
        }
        catch (JsonException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"not an import request: {e.Message}"] });
        }
        return body is null
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["send an import request."] })
            : Started(imports.Start(body));
    }

    /// <summary>An archive or CSV kept for a later import, and what its pictures are (classes, sizes, colour, the options proposed).</summary>
    private static async Task<IResult> Upload(HttpRequest request, DatasetImports imports, ImportLimits limits, CancellationToken cancellation)
    {
        var (form, refused) = await ReadUpload(request, imports, limits, cancellation);
        if (form is null)
        {
            return refused!;
        }
        using (form)
        {
            if (form.Files.FirstOrDefault(f => f.Field == "archive") is not { } archive)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["archive"] = ["the form has no file in the field 'archive'."] });
            }
            try
            {
                var (id, survey) = imports.Survey(archive.Path, archive.FileName, cancellation);
                form.Keep(archive);
                return TypedResults.Created($"/api/datasets/uploads/{id}", new ImportUpload(id, survey));
            }
            catch (ImportException e)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["archive"] = [e.Message] });
            }
        }
    }

    private static Task<(MultipartForm? Form, IResult? Refused)> ReadUpload(HttpRequest request, DatasetImports imports, ImportLimits limits, CancellationToken cancellation) =>
        MultipartForm.ReadOrRefuseAsync(request, imports.NewUploadFile, limits.MaxUploadBytes, limits.MaxUploadBytes + 1024 * 1024, "The upload was refused.", cancellation);

    private static IResult Started(StartImportResult result) => result switch
    {
        { Import: { } import } => TypedResults.Accepted($"/api/datasets/{import.Name}", import),
        { Conflict: true } => TypedResults.Conflict(new ProblemDetails { Title = string.Join(" ", result.Errors!.Values.SelectMany(v => v)), Status = 409 }),
        _ => TypedResults.ValidationProblem(result.Errors!, title: "The import is not valid."),
    };

    /// <summary>An imported dataset or import (status, progress, counts, skipped files, duplicates), or a built-in dataset's description.</summary>
    private static IResult Get(string name, DatasetImports imports, DatasetCatalog catalog) =>
        imports.Get(name) is { } import ? TypedResults.Ok(import)
        : catalog.Find(name) is { } info ? TypedResults.Ok(info)
        : Missing(name);

    private static Results<NoContent, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Delete(string name, DatasetImports imports) =>
        imports.Delete(name) switch
        {
            { NotFound: true, Problem: var p } => TypedResults.NotFound(new ProblemDetails { Title = p, Status = 404 }),
            { Problem: { } p } => TypedResults.Conflict(new ProblemDetails { Title = p, Status = 409 }),
            _ => TypedResults.NoContent(),
        };

    private static Results<Accepted, NotFound<ProblemDetails>> Cancel(string name, DatasetImports imports) =>
        imports.Cancel(name) ? TypedResults.Accepted($"/api/datasets/{name}")
        : TypedResults.NotFound(new ProblemDetails { Title = $"No import of '{name}' is running.", Status = 404 });

    private static Results<Ok<DatasetImport>, NotFound<ProblemDetails>, Conflict<ProblemDetails>> Rename(string name, DatasetRename body, DatasetImports imports) =>
        imports.Rename(name, body.Name) switch
        {
            { NotFound: true, Problem: var p } => TypedResults.NotFound(new ProblemDetails { Title = p, Status = 404 }),
            { Problem: { } p } => TypedResults.Conflict(new ProblemDetails { Title = p, Status = 409 }),
            _ => TypedResults.Ok(imports.Get(body.Name)!),
        };

    /// <summary>The options of a multipart import, with an error per field that does not parse.</summary>
    private static (ImportOptions Options, Dictionary<string, string[]> Errors) Options(Dictionary<string, string> fields)
    {
        var errors = new Dictionary<string, string[]>();
        var options = new ImportOptions { Name = fields.GetValueOrDefault("name")?.Trim() ?? "" };
        int? Int(string field) =>
            !fields.TryGetValue(field, out var text) || text.Length == 0 ? null
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
            : Fail<int?>(field, $"'{text}' is not a whole number.");
        T Fail<T>(string field, string message)
        {
            errors[field] = [message];
            return default!;
        }
        options = options with
        {
            Width = Int("width"),
            Height = Int("height"),
            Channels = Int("channels"),
            Seed = Int("seed") ?? options.Seed,
            Resize = fields.GetValueOrDefault("resize") is { Length: > 0 } resize
                ? Enum.TryParse<PictureResize>(resize, ignoreCase: true, out var mode) && Enum.IsDefined(mode) ? mode : Fail<PictureResize>("resize", $"'{resize}' is not squash, crop or pad.")
                : options.Resize,
            Background = fields.GetValueOrDefault("background") is { Length: > 0 } background
                ? Enum.TryParse<PictureBackground>(background, ignoreCase: true, out var paper) && Enum.IsDefined(paper) ? paper : Fail<PictureBackground>("background", $"'{background}' is not white or black.")
                : options.Background,
            Invert = fields.GetValueOrDefault("invert") is { Length: > 0 } invert
                ? bool.TryParse(invert, out var flag) ? flag : Fail<bool>("invert", $"'{invert}' is not true or false.")
                : options.Invert,
            TestFraction = fields.GetValueOrDefault("testFraction") is { Length: > 0 } fraction
                ? double.TryParse(fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : Fail<double>("testFraction", $"'{fraction}' is not a number.")
                : options.TestFraction,
        };
        return (options with { Height = options.Height ?? options.Width }, errors);
    }

    private static NotFound<ProblemDetails> Missing(string name) =>
        TypedResults.NotFound(new ProblemDetails { Title = $"No dataset or import is named '{name}'.", Status = 404 });
}
