namespace Dashboard.Shared.Platform;

/// <summary>
/// Whether the person on this page may control runs (start, stop, resume, delete, save samples):
/// anyone when the server listens on loopback only, otherwise only after logging in on /login.
/// </summary>
public interface IOperatorGate
{
    bool MayControl { get; }

    /// <summary>True when control needs the operator token (the server is reachable from other machines).</summary>
    bool Protected { get; }
}
