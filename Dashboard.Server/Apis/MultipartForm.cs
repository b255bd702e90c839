using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Dashboard.Server.Apis;

/// <summary>A file of a multipart request, spooled to disk.</summary>
public sealed record UploadedFile(string Field, string FileName, string? ContentType, string Path, long Length);

/// <summary>
/// A multipart/form-data body read section by section: every file streamed to its own file on disk within a size limit
/// (an archive of gigabytes never sits in memory), every other field kept as a short string. A body that ends before
/// its closing boundary is the client's error (400), not the server's.
/// </summary>
public sealed class MultipartForm : IDisposable
{
    private const int MaxFieldChars = 4096;
    private const int MaxSections = 10_000;

    public Dictionary<string, string> Fields { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<UploadedFile> Files { get; } = [];

    /// <summary>Reads the request's body. Throws <see cref="BadHttpRequestException"/> (400, or 413 for a file or body over its limit).</summary>
    public static async Task<MultipartForm> ReadAsync(HttpRequest request, Func<string> newFile, long maxFileBytes, long maxBodyBytes, CancellationToken cancellation)
    {
        if (request.ContentLength > maxBodyBytes)
        {
            throw new BadHttpRequestException($"the body is {request.ContentLength:N0} bytes; the limit is {maxBodyBytes:N0}.", StatusCodes.Status413PayloadTooLarge);
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBodyBytes;
        }
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new BadHttpRequestException("send a multipart/form-data body.", StatusCodes.Status415UnsupportedMediaType);
        }
        var form = new MultipartForm();
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            var sections = 0;
            for (var section = await reader.ReadNextSectionAsync(cancellation); section is not null; section = await reader.ReadNextSectionAsync(cancellation))
            {
                if (++sections > MaxSections)
                {
                    throw new BadHttpRequestException($"the form has more than {MaxSections:N0} parts.");
                }
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.Name.Value is not { Length: > 0 } rawName)
                {
                    throw new BadHttpRequestException("a part of the form has no name (Content-Disposition: form-data; name=...).");
                }
                var name = HeaderUtilities.RemoveQuotes(rawName).Value!;
                if (disposition.IsFileDisposition())
                {
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? name;
                    var path = newFile();
                    form.Files.Add(new UploadedFile(name, Path.GetFileName(fileName), section.ContentType, path, await Spool(section.Body, path, maxFileBytes, fileName, cancellation)));
                }
                else
                {
                    using var text = new StreamReader(section.Body);
                    var buffer = new char[MaxFieldChars + 1];
                    var read = await text.ReadBlockAsync(buffer, cancellation);
                    if (read > MaxFieldChars)
                    {
                        throw new BadHttpRequestException($"the field '{name}' is longer than {MaxFieldChars} characters.");
                    }
                    form.Fields[name] = new string(buffer, 0, read);
                }
            }
            return form;
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            form.Dispose();
            throw new BadHttpRequestException($"the multipart body is truncated or malformed: {e.Message}");
        }
        catch
        {
            form.Dispose();
            throw;
        }
    }

    /// <summary>The form, or the ProblemDetails answer that refuses the body (<paramref name="title"/> and why).</summary>
    public static async Task<(MultipartForm? Form, IResult? Refused)> ReadOrRefuseAsync(HttpRequest request, Func<string> newFile, long maxFileBytes,
        long maxBodyBytes, string title, CancellationToken cancellation)
    {
        try
        {
            return (await ReadAsync(request, newFile, maxFileBytes, maxBodyBytes, cancellation), null);
        }
        catch (BadHttpRequestException e)
        {
            return (null, TypedResults.Problem(e.Message, statusCode: e.StatusCode, title: title));
        }
    }

    private static async Task<long> Spool(Stream body, string path, long limit, string fileName, CancellationToken cancellation)
    {
        try
        {
            await using var file = File.Create(path);
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw new BadHttpRequestException($"{fileName} is larger than the limit of {limit:N0} bytes.", StatusCodes.Status413PayloadTooLarge);
                }
                await file.WriteAsync(buffer.AsMemory(0, read), cancellation);
            }
            return total;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Keeps a spooled file (the caller now owns it): it is not deleted with the form.</summary>
    public void Keep(UploadedFile file) => Files.Remove(file);

    public void Dispose()
    {
        foreach (var file in Files)
        {
            try
            {
                File.Delete(file.Path);
            }
            catch (IOException)
            {
                // A spool folder is emptied at the next start.
            }
        }
        Files.Clear();
    }
}
