namespace Dashboard.Server.Security;

/// <summary>Who may control runs and who may reach the dashboard at all (configuration section "Security", e.g. Security__OperatorToken).</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// The operator credential: sent as "Authorization: Bearer TOKEN" to the API, or typed once on
    /// /login (which sets a cookie). Unset: nobody can control runs on a protected server.
    /// </summary>
    public string? OperatorToken { get; set; }

    /// <summary>
    /// Whether starting, stopping, resuming, deleting and saving samples need the operator:
    /// null (default) decides from the addresses the server listens on (open when every one is
    /// loopback, protected otherwise) and, per request, from whether it came through a proxy.
    /// </summary>
    public bool? RequireOperator { get; set; }

    /// <summary>
    /// More names the dashboard answers to (the Host header), separated by ';', e.g. "dashboard.example.com;*.lab.example".
    /// Always allowed: the addresses it listens on, localhost and the loopback addresses (and, when it listens on
    /// every interface, this machine's addresses and host name). "*" allows any name.
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary>
    /// More browser origins allowed to use the hub, the pages' circuits and state-changing requests, separated by ';',
    /// e.g. "https://dashboard.example.com". The dashboard's own origin (the request's scheme and Host) is always allowed.
    /// </summary>
    public string? AllowedOrigins { get; set; }

    /// <summary>
    /// Addresses of reverse proxies (';'-separated IPs) whose X-Forwarded-For and X-Forwarded-Proto are trusted:
    /// a request from one counts as coming from the client it names. Every other forwarded request counts as remote.
    /// </summary>
    public string? Proxies { get; set; }

    /// <summary>Splits one of the ';'-separated settings.</summary>
    public static string[] List(string? value) =>
        value?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
