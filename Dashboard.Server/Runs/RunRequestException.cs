namespace Dashboard.Server.Runs;

/// <summary>
/// A request about a run that cannot be answered: no such run or result (NotFound, 404), or
/// bad input such as wrong pixels (400). The message says which and why.
/// </summary>
public sealed class RunRequestException(string message, bool notFound) : Exception(message)
{
    public bool NotFound { get; } = notFound;
}
