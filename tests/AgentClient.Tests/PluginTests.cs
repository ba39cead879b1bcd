using System.Net;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Plugins;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

public sealed class PluginTests
{
    /// <summary>The sample plugins' build output, copied as an operator would: plugins/AgentChannel.SamplePlugins/.</summary>
    private static string SamplePluginsFolder(string root)
    {
        var output = typeof(PluginTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "SamplePluginsOutput").Value!;
        var plugins = Path.Combine(root, "plugins");
        var target = System.IO.Directory.CreateDirectory(Path.Combine(plugins, "AgentChannel.SamplePlugins")).FullName;
        foreach (var file in System.IO.Directory.EnumerateFiles(output))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        return plugins;
    }

    [Fact]
    public async Task The_sample_plugins_load_from_the_plugins_folder_in_a_real_server_run_and_do_their_work()
    {
        var root = Path.Combine(Path.GetTempPath(), "agentchannel-plugin-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = new ServerProcess(new Dictionary<string, string> { ["AgentChannel__Plugins__Path"] = SamplePluginsFolder(root) });
            await server.StartAsync();
            using var operatorClient = server.Client();

            var plugins = (await operatorClient.Get("/api/plugins")).Json["items"]!.AsArray();
            plugins.Select(p => p!["name"]!.GetValue<string>()).ShouldContain("AgentChannel.SamplePlugins.EmailRedactingInterceptor");
            plugins.Select(p => p!["name"]!.GetValue<string>()).ShouldContain("AgentChannel.SamplePlugins.PreferDependencyAssigneeStrategy");
            plugins.Single(p => p!["name"]!.GetValue<string>() == "AgentChannel.SamplePlugins.EmailRedactingInterceptor")!["source"]!.GetValue<string>()
                .ShouldBe("plugins folder: AgentChannel.SamplePlugins/AgentChannel.SamplePlugins.dll");

            var capability = $"sample-{Guid.NewGuid():N}";
            var (_, creatorHttp) = await Register(server, "creator");
            var (first, _) = await Register(server, "aaa", capability);
            var (second, secondHttp) = await Register(server, "zzz", capability);

            var sent = await creatorHttp.Post("/api/messages", new { content = "write to jane.doe@example.com or ops@agents.example.org", recipients = new[] { first } });
            sent.Status.ShouldBe(HttpStatusCode.Created);
            sent.Json["content"]!.GetValue<string>().ShouldBe("write to [email redacted] or [email redacted]");
            sent.Json["metadata"]!["redacted_emails"]!.GetValue<int>().ShouldBe(2);

            // zzz does the first step; the second depends on it. Left to the built-in strategy (equal load,
            // then name) it would go to aaa; the sample strategy gives it to zzz, who did the dependency.
            var step1 = (await creatorHttp.Post("/api/tasks", new { title = "step 1", requirements = new { capabilities = new[] { capability } }, assign_to = second }))
                .Json["id"]!.GetValue<string>();
            var step2 = (await creatorHttp.Post("/api/tasks", new { title = "step 2", requirements = new { capabilities = new[] { capability } }, depends_on = new[] { step1 } }))
                .Json["id"]!.GetValue<string>();
            (await secondHttp.Post($"/api/tasks/{step1}/complete", new { result = new { done = true } })).Status.ShouldBe(HttpStatusCode.OK);

            await Poll.Until(async () => (await creatorHttp.Get($"/api/tasks/{step2}")).Json["status"]!.GetValue<string>() == "assigned", "step 2 to be assigned");
            (await creatorHttp.Get($"/api/tasks/{step2}")).Json["assigned_to"]!.GetValue<string>().ShouldBe(second);
            var control = (await creatorHttp.Post("/api/tasks", new { title = "unrelated", requirements = new { capabilities = new[] { capability } } }))
                .Json["id"]!.GetValue<string>();
            await Poll.Until(async () => (await creatorHttp.Get($"/api/tasks/{control}")).Json["status"]!.GetValue<string>() == "assigned", "the unrelated task to be assigned");
            (await creatorHttp.Get($"/api/tasks/{control}")).Json["assigned_to"]!.GetValue<string>().ShouldBe(first, "tasks without dependencies keep the built-in choice");
        }
        finally
        {
            if (System.IO.Directory.Exists(root))
            {
                System.IO.Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_csharp_agent_gets_RejectedException_when_an_interceptor_refuses_its_message()
    {
        await using var server = await TestServer.StartAsync(services: services => services.AddAgentChannelPlugin<NoShoutingInterceptor>());
        await using var agent = await server.Connect(TestServer.Unique("cs"));
        await using var peer = await server.Connect(TestServer.Unique("peer"));
        var cancel = TestContext.Current.CancellationToken;

        var refused = await Should.ThrowAsync<RejectedException>(() => agent.SendMessageAsync("STOP SHOUTING", [peer.Name], cancellationToken: cancel));
        refused.WireCode.ShouldBe("rejected");
        refused.Message.ShouldContain("no shouting");
        var accepted = await agent.SendMessageAsync("fine, quietly", [peer.Name], cancellationToken: cancel);
        accepted.Content.ShouldBe("fine, quietly");
    }

    private static async Task<(string Name, HttpClient Http)> Register(ServerProcess server, string prefix, params string[] capabilities)
    {
        var name = TestServer.Unique(prefix);
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        var registered = await anonymous.Post("/api/agents/register", new { name, type = "llm", capabilities });
        registered.Status.ShouldBe(HttpStatusCode.Created, registered.Body?.ToJsonString());
        return (name, server.Client(registered.Json["token"]!.GetValue<string>()));
    }
}

/// <summary>Refuses messages written in capitals.</summary>
public sealed class NoShoutingInterceptor : IMessageInterceptor
{
    public ValueTask<MessageVerdict> InterceptAsync(InterceptedMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult(message.Content.Any(char.IsLetter) && message.Content.Where(char.IsLetter).All(char.IsUpper)
            ? MessageVerdict.Reject("no shouting")
            : MessageVerdict.Accept(message));
}
