using Dashboard.Server.Components;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Platform;
using Microsoft.Extensions.Options;
using Radzen;

namespace Dashboard.Server.Hosting;

/// <summary>The host's wiring, so Program.cs reads like a table of contents.</summary>
public static class DashboardHostExtensions
{
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        // Package static assets (Radzen's CSS and JS) are served outside Development too.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.Configure<DataOptions>(builder.Configuration.GetSection(DataOptions.Section));
        builder.Services.AddSingleton(sp => new DatasetCatalog(sp.GetRequiredService<IOptions<DataOptions>>().Value));
        builder.Services.AddSingleton<ISystemInfoService, SystemInfoService>();
        builder.Services.AddProblemDetails();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddRadzenComponents();
        return builder;
    }

    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .AddAdditionalAssemblies(typeof(Dashboard.Client.Routes).Assembly);
        return app;
    }
}
