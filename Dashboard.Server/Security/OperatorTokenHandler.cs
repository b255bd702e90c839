using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Security;

/// <summary>Authenticates API callers that send "Authorization: Bearer OPERATOR_TOKEN".</summary>
public sealed class OperatorTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, OperatorAccess access)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "OperatorToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        return Task.FromResult(access.IsToken(header["Bearer ".Length..].Trim())
            ? AuthenticateResult.Success(new AuthenticationTicket(OperatorAccess.Operator(SchemeName), SchemeName))
            : AuthenticateResult.Fail("The operator token is not valid."));
    }
}
