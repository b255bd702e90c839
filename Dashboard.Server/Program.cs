using Dashboard.Server.Cli;
using Dashboard.Server.Hosting;

switch (args)
{
    case ["train", ..]:
        return TrainCommand.Run(args[1..]);
    case ["bench", ..]:
        return BenchCommand.Run(args[1..]);
    case ["follow", ..]:
        return FollowCommand.Run(args[1..]);
    case ["trainer", ..]:
        return TrainerCommand.Run(args[1..]);
    case ["lr-find", ..]:
        return LrFindCommand.Run(args[1..]);
    case ["import", ..]:
        return ImportCommand.Run(args[1..]);
    case ["pictures", ..]:
        return PicturesCommand.Run(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddDashboard();
var app = builder.Build();
app.UseDashboard();
app.Run();
return 0;

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
