using Dashboard.Server.Cli;
using Dashboard.Server.Hosting;

switch (args)
{
    case ["trainer", ..]:
        return TrainerCommand.Run(args[1..]);
    case [var verb, ..] when Verbs.Commands.TryGetValue(verb, out var command):
        return Verbs.Invoke(args[1..], null, null, command);
    case [var word, ..] when !word.StartsWith('-') && !word.Contains('='):
        // Else the web host would take the word as configuration and start the dashboard unasked.
        Console.Error.WriteLine($"error: no verb '{word}'. The verbs: trainer, {string.Join(", ", Verbs.Commands.Keys)}; with none (or only options such as --urls URL) the dashboard starts.");
        return 2;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddDashboard();
var app = builder.Build();
app.UseDashboard();
app.Run();
return 0;

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
