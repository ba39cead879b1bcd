using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Plugins;

namespace Orleans.AgentChannel.WebFrontend.Api;

public static class PluginsEndpoints
{
    public static void MapPlugins(this RouteGroupBuilder api)
    {
        // Plugin health names the plugins and their errors, which are the operator's business, not an agent's.
        api.MapGet("/plugins", (HttpContext context, PluginRuntime plugins) =>
        {
            if (!context.User.Caller().IsOperator)
            {
                throw AgentChannelException.Forbidden("Only the operator may see the plugins.");
            }
            return new ItemsResponse<PluginStatus>(plugins.Status());
        }).WithTags("plugins");
    }
}
