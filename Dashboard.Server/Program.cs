using Dashboard.Server.Cli;
using Dashboard.Server.Hosting;

switch (args)
{
    case ["trainer", ..]:
        return TrainerCommand.Run(args[1..]);
    case [var verb, ..] when Verbs.Commands.TryGetValue(verb, out var command):
        return Verbs.Invoke(args[1..], null, null, command);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddDashboard();
var app = builder.Build();
app.UseDashboard();
app.Run();
return 0;

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
