using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Security;

/// <summary>
/// The one rule for control actions: open when the server listens on loopback only and the request did not come
/// through a proxy, otherwise only for an operator (a principal authenticated with the operator token).
/// </summary>
public sealed class OperatorAccess(IOptions<SecurityOptions> options, IServer server)
{
    public const string Role = "operator";
    public const string Policy = "Operator";

    /// <summary>The claim of a principal whose request came through a proxy from a client that may be anywhere.</summary>
    public const string ThroughProxy = "dashboard:through-proxy";

    private readonly Lazy<bool> _shared = new(() => !LoopbackOnly(server));

    /// <summary>True when control actions need the operator token for this principal (null: not known yet).</summary>
    public bool Protected(ClaimsPrincipal? user) =>
        options.Value.RequireOperator ?? (_shared.Value || user is null || user.HasClaim(c => c.Type == ThroughProxy));

    /// <summary>True when an operator token is configured (its value is never shown or logged).</summary>
    public bool HasToken => !string.IsNullOrEmpty(options.Value.OperatorToken);

    public bool MayControl(ClaimsPrincipal? user) => user?.IsInRole(Role) == true || !Protected(user);

    /// <summary>Compares in constant time, so response times do not leak the token.</summary>
    public bool IsToken(string? candidate) =>
        HasToken && candidate is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(options.Value.OperatorToken!));

    public static ClaimsPrincipal Operator(string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, Role)], scheme));

    private static bool LoopbackOnly(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        // No addresses: an in-process test server, which nothing outside can reach.
        return addresses.All(address =>
        {
            var host = BindingAddress.Parse(address).Host;
            return host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        });
    }
}
