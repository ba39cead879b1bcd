using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Plugins;
using Orleans.AgentChannel.WebFrontend.A2A;
using Orleans.AgentChannel.WebFrontend.Api;
using Orleans.AgentChannel.WebFrontend.Components;
using Orleans.AgentChannel.WebFrontend.Components.Account;
using Orleans.AgentChannel.WebFrontend.Identity;
using Orleans.AgentChannel.WebFrontend.Mcp;
using Orleans.AgentChannel.WebFrontend.Realtime;
using Scalar.AspNetCore;

namespace Orleans.AgentChannel.WebFrontend.Hosting;

/// <summary>
/// Builds the product: the REST API, the WebSocket gateway and the operator console, on top of either an
/// Orleans silo in this process (embedded, the default: localhost clustering, state on the SQLite file) or a
/// cluster client of separate <c>Silo</c> processes (<c>AgentChannel:Mode=Client</c>). Program runs it;
/// tests start it on loopback the same way.
/// </summary>
public static class AgentChannelHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The application is this assembly even when a test assembly is the entry point, so the console's
        // static files (found by application name) are served in tests too. Settings (appsettings.json) are read
        // from beside the program, whatever directory it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(AgentChannelHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);

        builder.Services.AddOptions<FrontendOptions>().Bind(builder.Configuration.GetSection(FrontendOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        var frontend = builder.Configuration.GetSection(FrontendOptions.Section).Get<FrontendOptions>() ?? new FrontendOptions();

        if (frontend.Mode == HostMode.Client)
        {
            // Everything below talks to grains through IClusterClient/IGrainFactory, which the client provides
            // as the silo does; nothing here reaches into a silo's own services.
            builder.UseOrleansClient(client => client.UseAgentChannelCluster(builder.Configuration));
            // Plugins run in the silos; this host has none, and says so on /api/plugins and the console's page.
            builder.Services.AddOptions<PluginOptions>().Bind(builder.Configuration.GetSection(PluginOptions.Section)).ValidateDataAnnotations();
            builder.Services.TryAddSingleton<PluginRuntime>();
            // The upload endpoint's body limit; the silos enforce the same setting on what they store.
            builder.Services.AddOptions<ArtifactOptions>().Bind(builder.Configuration.GetSection(ArtifactOptions.Section)).ValidateDataAnnotations();
        }
        else
        {
            builder.UseOrleans(silo =>
            {
                silo.UseAgentChannelClustering(builder.Configuration);
                silo.AddAgentChannel(builder.Configuration);
            });
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = frontend.MaxRequestBodyBytes);
        builder.Services.ConfigureHttpJsonOptions(json => AgentChannelJson.Configure(json.SerializerOptions));
        // Problems the framework writes itself (unknown route, body over the size limit) get our code too.
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("code", ProblemResponses.CodeOf(context.ProblemDetails.Status)));
        builder.Services.AddSingleton<ProblemResponses>();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // Bad JSON must reach ProblemExceptionHandler (which names the field) instead of a bare 400.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.TryAddSingleton<OperatorToken>();
        builder.Services.AddSingleton<LoopbackAddresses>();
        builder.Services.AddOptions<RealtimeOptions>().Bind(builder.Configuration.GetSection(RealtimeOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RealtimeGateway>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RealtimeGateway>());
        builder.Services.AddAuthentication(AgentTokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AgentTokenAuthenticationHandler>(
                AgentTokenAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddAgentChannelMcp();
        builder.AddOperatorConsole();
        builder.AddAgentChannelMetrics();
        builder.Services.AddAgentChannelTracing(builder.Configuration);
        builder.Services.AddAgentChannelHealth();
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Orleans.AgentChannel API";
            document.Info.Description = "Agents register, message each other, hand out tasks and share memory. " +
                                        "Authenticate with 'Authorization: Bearer <token>' from POST /api/agents/register.";
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Refused requests are answered, not failures of ours: keep them out of the error log.
            SuppressDiagnosticsCallback = context => ProblemExceptionHandler.IsClientError(context.Exception),
        });
        app.UseStatusCodePages();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference().AllowAnonymous();
        app.MapAgentChannelApi();
        app.MapAgentChannelMcp();
        app.MapAgentChannelA2A();
        app.Map("/ws", (HttpContext context, RealtimeGateway gateway) => gateway.Accept(context)).ExcludeFromDescription();
        app.MapOperatorConsole();
        if (ClusterDashboard.IsEnabled(app.Configuration))
        {
            app.MapOrleansDashboard(ClusterDashboard.Path).RequireAuthorization(OperatorSignIn.Policy).ExcludeFromDescription();
        }
        app.MapAgentChannelMetrics();
        app.MapAgentChannelHealth();

        app.Lifetime.ApplicationStarted.Register(() => AnnounceStarted(app));
        return app;
    }

    /// <summary>Where the product answers, printed so a newcomer knows what to open.</summary>
    private static void AnnounceStarted(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var operatorToken = app.Services.GetRequiredService<OperatorToken>();
        var storage = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var frontend = app.Services.GetRequiredService<IOptions<FrontendOptions>>().Value;
        var silo = app.Services.GetRequiredService<IOptions<SiloOptions>>().Value;
        foreach (var address in addresses)
        {
            Console.WriteLine($"Orleans.AgentChannel is running on {address}  (console: {address.TrimEnd('/')}/console, API docs: {address.TrimEnd('/')}/scalar)");
        }
        if (frontend.Mode == HostMode.Client)
        {
            Console.WriteLine($"Client mode: joined cluster {silo.ClusterId} (service {silo.ServiceId}); no silo in this process");
        }
        else if (storage.Provider == StorageProvider.PostgreSQL)
        {
            var database = new Npgsql.NpgsqlConnectionStringBuilder(storage.PostgresConnectionString);
            Console.WriteLine($"Data: PostgreSQL {database.Host}:{database.Port}/{database.Database} (cluster {silo.ClusterId})");
        }
        else
        {
            Console.WriteLine($"Data: {Path.GetFullPath(storage.SqlitePath)}");
        }
        if (operatorToken.IsGenerated)
        {
            Console.WriteLine($"Operator token for this run (set AgentChannel__OperatorToken to fix one): {operatorToken.Value}");
        }
    }
}
