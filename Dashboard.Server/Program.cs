using Dashboard.Server.Cli;
using Dashboard.Server.Hosting;

if (args is ["train", ..])
{
    return TrainCommand.Run(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddDashboard();
var app = builder.Build();
app.UseDashboard();
app.Run();
return 0;

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
