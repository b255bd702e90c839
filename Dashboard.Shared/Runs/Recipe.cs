namespace Dashboard.Shared.Runs;

/// <summary>A named, measured run configuration (network, optimizer, schedule, batch, epochs) to start from.</summary>
public sealed record Recipe(string Name, string Description, RunConfig Config);
