using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using Orleans.AgentChannel.WebFrontend.Components.Account;
using Orleans.AgentChannel.WebFrontend.Components.Services;

namespace Orleans.AgentChannel.WebFrontend.Components;

/// <summary>
/// The operator console: Blazor Server + MudBlazor under /console, in the same host as the API, talking to
/// the grains as the operator and kept live by the activity stream.
/// </summary>
public static class ConsoleHosting
{
    public static WebApplicationBuilder AddOperatorConsole(this WebApplicationBuilder builder)
    {
        // Blazor's and MudBlazor's files come from the build output in any environment (`dotnet run` here is
        // not Development); after a publish they are in wwwroot and this does nothing.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // Bottom right: the detail drawers open on the right, where MudBlazor puts notes by default.
        builder.Services.AddMudServices(mud => mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddOperatorSignIn();
        builder.Services.TryAddSingleton(TimeProvider.System);

        // Scoped = one per circuit (per open browser tab).
        builder.Services.AddScoped<ActivityFeed>();
        builder.Services.AddScoped<CircuitHandler, ActivityFeedConnectionHandler>();
        builder.Services.AddScoped<ConsoleClock>();
        builder.Services.AddScoped<AgentOperations>();
        builder.Services.AddScoped<TaskOperations>();
        builder.Services.AddScoped<MessageOperations>();
        builder.Services.AddScoped<MemoryOperations>();
        builder.Services.AddScoped<PluginOperations>();
        builder.Services.AddScoped<ReportOperations>();
        builder.Services.AddScoped<ArtifactOperations>();

        // Host-wide: one activity subscription for the instruments, one listener keeping their history.
        builder.Services.AddSingleton<ActivityMetrics>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ActivityMetrics>());
        builder.Services.AddSingleton<MetricsHistory>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MetricsHistory>());
        return builder;
    }

    /// <summary>Maps the console; call after UseAuthentication/UseAuthorization.</summary>
    public static WebApplication MapOperatorConsole(this WebApplication app)
    {
        // Validates the sign-in and sign-out forms; the JSON API has no form endpoints, so it is unaffected.
        app.UseAntiforgery();
        app.MapStaticAssets();
        // The policy covers the Blazor hub (/_blazor) too, so no circuit starts without the cookie; the
        // sign-in pages opt out with [AllowAnonymous].
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(OperatorSignIn.Policy);
        app.MapGet("/", () => Results.Redirect(OperatorSignIn.HomePath)).ExcludeFromDescription();
        // The Reports page's tables as files: plain links (no script), signed in by the console's cookie.
        app.MapGet("/console/reports/{table}.csv", async (string table, string? from, string? to, IGrainFactory grains) =>
        {
            if (!StatsCsv.Tables.Contains(table))
            {
                return Results.NotFound();
            }
            var report = await grains.GetGrain<Stats.IStatsGrain>(0).Report(Api.StatsEndpoints.Window(from, to, agent: null));
            return Results.File(System.Text.Encoding.UTF8.GetBytes(StatsCsv.Write(report, table)!), "text/csv; charset=utf-8",
                $"agentchannel-{table}-{report.From.UtcDateTime:yyyyMMddTHH}-{report.To.UtcDateTime:yyyyMMddTHH}.csv");
        }).RequireAuthorization(OperatorSignIn.Policy).ExcludeFromDescription();
        // An artifact's download from the console: streamed, as the REST download (the same headers keep it inert).
        app.MapGet("/console/artifacts/{id:guid}/content", async (Guid id, HttpContext context, IGrainFactory grains) =>
        {
            var grain = grains.GetGrain<Orleans.AgentChannel.Artifacts.IArtifactGrain>(id);
            var artifact = await grain.Get(Orleans.AgentChannel.Identity.Caller.Operator);
            Api.ArtifactsEndpoints.WriteHeaders(context.Response, artifact);
            await Api.ArtifactTransfer.CopyTo(grain, Orleans.AgentChannel.Identity.Caller.Operator, artifact, context.Response.Body, context.RequestAborted);
        }).RequireAuthorization(OperatorSignIn.Policy).ExcludeFromDescription();
        return app;
    }
}
