namespace Dashboard.Server.Security;

/// <summary>Who may control runs (configuration section "Security", e.g. Security__OperatorToken).</summary>
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
    /// null (default) decides from the addresses the server listens on: open when every one is
    /// loopback, protected otherwise.
    /// </summary>
    public bool? RequireOperator { get; set; }
}
