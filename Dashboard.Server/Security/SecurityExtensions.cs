using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Security;

/// <summary>
/// Who may reach the dashboard (the Host names it answers to, the browser origins it serves, the proxies it trusts),
/// authentication (the operator token as a bearer header for scripts, or a cookie set by /login for browsers) and
/// the "Operator" policy that every control endpoint requires.
/// </summary>
public static class SecurityExtensions
{
    private const string Either = "CookieOrToken";

    public static IServiceCollection AddOperatorSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SecurityOptions>(configuration.GetSection(SecurityOptions.Section));
        // The platform's host filtering (in every WebApplication's pipeline) with our names instead of "*".
        services.AddOptions<HostFilteringOptions>().Configure<IServer, IOptions<SecurityOptions>>((o, server, security) =>
            o.AllowedHosts = ServerNames.Allowed(server, security.Value));
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SecurityOptions>>((o, security) => ProxiedRequests.Configure(o, security.Value));
        services.AddSingleton<OperatorAccess>();
        services.AddAuthentication(Either)
            .AddPolicyScheme(Either, "Cookie or operator token", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? OperatorTokenHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, OperatorTokenHandler>(OperatorTokenHandler.SchemeName, null)
            .AddCookie(o =>
            {
                o.Cookie.Name = "dashboard-operator";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.LoginPath = "/login";
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                // APIs answer 401/403 instead of redirecting to the login page.
                o.Events.OnRedirectToLogin = c => Refuse(c, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => Refuse(c, StatusCodes.Status403Forbidden);
            });
        services.AddAuthorization(o => o.AddPolicy(OperatorAccess.Policy, p => p.AddRequirements(new OperatorRequirement())));
        services.AddSingleton<IAuthorizationHandler, OperatorRequirementHandler>();
        services.AddCascadingAuthenticationState();
        return services;
    }

    /// <summary>
    /// Before anything reads a request: note whether it came through a proxy, apply a configured proxy's forwarded
    /// headers, refuse foreign browser origins, authenticate, mark a proxied principal, then authorize.
    /// </summary>
    public static WebApplication UseDashboardSecurity(this WebApplication app)
    {
        var proxies = ProxiedRequests.Proxies(app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value);
        app.Use(ProxiedRequests.Note(proxies));
        if (proxies.Length > 0)
        {
            // Only with proxies configured: with none, the platform would trust any sender of X-Forwarded-For.
            app.UseForwardedHeaders();
        }
        app.UseMiddleware<OriginCheck>();
        app.UseAuthentication();
        app.Use(ProxiedRequests.Mark);
        app.UseAuthorization();
        return app;
    }

    /// <summary>POST /account/login (form: token, returnUrl) and POST /account/logout.</summary>
    public static IEndpointRouteBuilder MapOperatorLogin(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/login", async (HttpContext context, OperatorAccess access, [FromForm] string? token, [FromForm] string? returnUrl) =>
        {
            var back = returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) ? url : "/";
            if (!access.IsToken(token))
            {
                return Results.Redirect($"/login?failed=true&returnUrl={Uri.EscapeDataString(back)}");
            }
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, OperatorAccess.Operator(CookieAuthenticationDefaults.AuthenticationScheme));
            return Results.LocalRedirect(back);
        }).WithTags("Account");
        app.MapPost("/account/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/");
        }).WithTags("Account");
        return app;
    }

    private static async Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        var problem = new ProblemDetails
        {
            Status = status,
            Title = status == StatusCodes.Status401Unauthorized
                ? "This server is shared (or the request came through a proxy): starting, stopping, resuming and deleting runs and saving samples need the operator token (Authorization: Bearer TOKEN, or log in on /login)."
                : "Only the operator may do this.",
        };
        await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }
}

/// <summary>Met by an operator, or by anyone when the server is open (loopback only).</summary>
public sealed class OperatorRequirement : IAuthorizationRequirement;

public sealed class OperatorRequirementHandler(OperatorAccess access) : AuthorizationHandler<OperatorRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OperatorRequirement requirement)
    {
        if (access.MayControl(context.User))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
