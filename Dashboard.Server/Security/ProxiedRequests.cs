using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.HttpOverrides;

namespace Dashboard.Server.Security;

/// <summary>
/// Requests that came through a reverse proxy. A proxy on the same host connects over loopback, so such a request
/// looks local; it counts as remote (the operator rule applies) unless a configured proxy (Security:Proxies) names
/// a loopback client in X-Forwarded-For. Its principal then carries <see cref="OperatorAccess.ThroughProxy"/>.
/// </summary>
public static class ProxiedRequests
{
    /// <summary>Headers only a proxy adds (or a client that wants to be treated as remote).</summary>
    private static readonly string[] Forwarding = ["Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP"];

    /// <summary>What was seen before the forwarded headers were applied: the peer was a configured proxy that named its client.</summary>
    private sealed record Forwarded(bool ClientNamedByProxy);

    public static void Configure(ForwardedHeadersOptions options, SecurityOptions security)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        // Trust the configured proxies only (by default the platform trusts every loopback address).
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var proxy in Proxies(security))
        {
            options.KnownProxies.Add(proxy);
        }
    }

    public static IPAddress[] Proxies(SecurityOptions security) =>
        SecurityOptions.List(security.Proxies).Select(p => IPAddress.TryParse(p, out var ip) ? ip
            : throw new InvalidOperationException($"Security:Proxies: '{p}' is not an IP address.")).ToArray();

    /// <summary>Notes, before the forwarded headers are applied, whether a request came through a proxy.</summary>
    public static Func<HttpContext, Func<Task>, Task> Note(IPAddress[] proxies) => (context, next) =>
    {
        var peer = context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : context.Connection.RemoteIpAddress;
        var fromProxy = peer is not null && proxies.Contains(peer);
        if (fromProxy || Forwarding.Any(context.Request.Headers.ContainsKey))
        {
            context.Features.Set(new Forwarded(fromProxy && context.Request.Headers.ContainsKey("X-Forwarded-For")));
        }
        return next();
    };

    /// <summary>
    /// After authentication: a request through a proxy, unless a configured proxy named a loopback client (the
    /// platform's forwarded headers made that the connection's address), gets the ThroughProxy claim.
    /// </summary>
    public static Task Mark(HttpContext context, Func<Task> next)
    {
        if (context.Features.Get<Forwarded>() is { } forwarded
            && !(forwarded.ClientNamedByProxy && context.Connection.RemoteIpAddress is { } client && IPAddress.IsLoopback(client)))
        {
            context.User.AddIdentity(new ClaimsIdentity([new Claim(OperatorAccess.ThroughProxy, "true")]));
        }
        return next();
    }
}
