using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Dashboard.Server.Security;

/// <summary>
/// Refuses what a foreign web page makes a browser send (403): the hub and the pages' circuit (every method, WebSockets
/// included) and every state-changing request (POST, PUT, PATCH, DELETE; JSON, forms and multipart alike) accept an
/// Origin header only when it is the dashboard's own origin (the request's scheme and Host) or a configured one.
/// Requests without an Origin (curl, scripts, the .NET and Node clients) pass, under the operator rule.
/// </summary>
// Written here because CORS never refuses a request (it only withholds the answer from the page) and WebSockets
// bypass it, and WebSocketOptions.AllowedOrigins is a fixed list that cannot say "this request's own origin".
public sealed class OriginCheck(RequestDelegate next, IOptions<SecurityOptions> options)
{
    /// <summary>The paths whose every request is checked: the training hub and Blazor's circuit hub.</summary>
    public static readonly PathString[] HubPaths = [Dashboard.Server.Hubs.TrainingHub.Path, "/_blazor"];

    private readonly HashSet<string> _configured = SecurityOptions.List(options.Value.AllowedOrigins)
        .Select(Canonical).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Headers.TryGetValue(HeaderNames.Origin, out var origin) || !Checked(request) || Allowed(origin.ToString(), request))
        {
            return next(context);
        }
        return Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: $"Cross-origin request refused: the page at {origin} is not this dashboard ({request.Scheme}://{request.Host}). "
                + "If it is yours, add its origin to Security__AllowedOrigins.").ExecuteAsync(context);
    }

    private static bool Checked(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        || HubPaths.Any(hub => request.Path.StartsWithSegments(hub))
        || request.HttpContext.WebSockets.IsWebSocketRequest;

    private bool Allowed(string origin, HttpRequest request) =>
        Canonical(origin) is { } canonical
        && (string.Equals(canonical, Canonical($"{request.Scheme}://{request.Host}"), StringComparison.OrdinalIgnoreCase) || _configured.Contains(canonical));

    /// <summary>"scheme://host:port" with the default port written out, or null for "null" and anything else that is no web origin.</summary>
    private static string? Canonical(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? $"{uri.Scheme}://{uri.Host}:{uri.Port}"
            : null;
}
