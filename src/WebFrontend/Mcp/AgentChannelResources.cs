using System.ComponentModel;
using System.Security.Claims;
using System.Text.Json;
using ModelContextProtocol.Server;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Api;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// Things an MCP client may read as context rather than call: the caller's inbox, a task, a memory key.
/// The same grain reads as the tools, as the same caller, in the same JSON.
/// </summary>
[McpServerResourceType]
public sealed class AgentChannelResources(IGrainFactory grains)
{
    public const string InboxTemplate = "agentchannel://inbox{?since_seq}";
    public const string TaskTemplate = "agentchannel://tasks/{task_id}";
    public const string MemoryTemplate = "agentchannel://memory/{+key}";

    [McpServerResource(UriTemplate = InboxTemplate, Name = "inbox", Title = "Your inbox", MimeType = "application/json")]
    [Description("Your inbox events after since_seq (default: after your last ack), as read_inbox returns them. Reading consumes nothing.")]
    public async Task<string> Inbox(long? since_seq = null, ClaimsPrincipal? user = null) =>
        Serialize(await InboxView.Read(grains, McpCaller.Of(user), since_seq, null));

    [McpServerResource(UriTemplate = TaskTemplate, Name = "task", Title = "A task", MimeType = "application/json")]
    [Description("One task: its fields, status, assignee, result and assignment history.")]
    public async Task<string> Task(string task_id, ClaimsPrincipal? user = null)
    {
        McpCaller.Of(user);
        return Serialize(await grains.GetGrain<ITaskGrain>(Endpoints.RequireGuid(task_id, "task")).Get());
    }

    [McpServerResource(UriTemplate = MemoryTemplate, Name = "memory", Title = "A shared-memory key", MimeType = "application/json")]
    [Description("One shared-memory key: its JSON value, version and access control (if you may read it).")]
    public async Task<string> Memory(string key, ClaimsPrincipal? user = null) =>
        Serialize(await grains.MemoryGrain(key).Get(McpCaller.Of(user)));

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, AgentChannelJson.Options);
}
