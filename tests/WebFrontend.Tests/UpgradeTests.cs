using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Databases made by earlier releases, opened by this build. release-0140fcc.db: from before task state moved into the
/// tasks table (agents worker_a and boss; one task pending, one assigned to worker_a, one completed by worker_a with
/// {"answer":42}). release-c387975.db: from before agent, channel, memory and webhook state moved to grain_states
/// (agents scout [maps, search] and keeper [notes]; memory notes/plan at version 2 readable by scout, writable by
/// keeper; notes/gone written and deleted; channel crew with scout and keeper and one post by scout, in keeper's inbox;
/// one webhook). Both are from before history was private: its audience tables are filled from what they hold.
/// </summary>
public sealed class UpgradeTests : IAsyncDisposable
{
    private const string PendingTask = "01a24654-9975-7d0a-9177-497c4869d0a9";
    private const string AssignedTask = "01a24654-9a97-77c7-880e-5767f8c2c23f";
    private const string CompletedTask = "01a24654-9b3b-7fb0-a37b-12364969c1de";
    private const string WorkerToken = "ac_d29ya2VyX2E_ZH_yu8GxRqWhDmbnck-T46SoNXCnf3v2mFhBO8XDN_w";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "agentchannel-upgrade-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "agentchannel.db");

    [Fact]
    public async Task Tasks_of_the_previous_release_read_as_they_were_and_move_into_their_rows_at_their_next_write()
    {
        Directory.CreateDirectory(_directory);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "release-0140fcc.db"), DatabasePath);

        await using (var server = await AgentChannelServer.StartAsync(DatabasePath))
        {
            using var operatorClient = server.Client(AgentChannelServer.OperatorToken);
            (await Status(operatorClient, PendingTask)).ShouldBe("pending");
            (await Status(operatorClient, AssignedTask)).ShouldBe("assigned");
            var completed = await Task(operatorClient, CompletedTask);
            completed["status"]!.GetValue<string>().ShouldBe("completed");
            completed["result"]!.ToJsonString().ShouldBe("""{"answer":42}""");

            using var worker = server.Client(WorkerToken);
            var completing = await worker.PostAsJsonAsync($"/api/tasks/{AssignedTask}/complete", new { result = new { answer = 43 } },
                TestContext.Current.CancellationToken);
            completing.StatusCode.ShouldBe(HttpStatusCode.OK, await completing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        StatesStoredInRows().ShouldBe([AssignedTask]);
        // Who may read each task's thread, filled from the rows of the release before: the creator and every assignee.
        TaskParties().ShouldBe([("boss", PendingTask), ("boss", AssignedTask), ("boss", CompletedTask), ("worker_a", AssignedTask), ("worker_a", CompletedTask)]);
        await using (var restarted = await AgentChannelServer.StartAsync(DatabasePath))
        {
            using var operatorClient = restarted.Client(AgentChannelServer.OperatorToken);
            var assigned = await Task(operatorClient, AssignedTask);
            assigned["status"]!.GetValue<string>().ShouldBe("completed");
            assigned["result"]!.ToJsonString().ShouldBe("""{"answer":43}""");
            (await Status(operatorClient, PendingTask)).ShouldBe("pending");
            var listed = await operatorClient.GetFromJsonAsync<JsonObject>("/api/tasks?status=completed", TestContext.Current.CancellationToken);
            listed!.ToJsonString().ShouldContain(AssignedTask);
        }
    }

    private const string ScoutToken = "ac_c2NvdXQ_oqSEqIertJ32y7Z4tsTQc_7Mc6a9RqoZ8yM9Siikmno";
    private const string KeeperToken = "ac_a2VlcGVy_e2ivqUNI4LXOZw9lQhmjueMwZZdj4gpAGrkImuwWAvk";

    [Fact]
    public async Task Agents_memory_channels_and_webhooks_of_the_previous_release_read_as_they_were_and_move_at_their_next_write()
    {
        Directory.CreateDirectory(_directory);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "release-c387975.db"), DatabasePath);
        var cancel = TestContext.Current.CancellationToken;
        var storedByOrleans = OrleansStorageRows();
        string webhookId;

        await using (var server = await AgentChannelServer.StartAsync(DatabasePath))
        {
            using var operatorClient = server.Client(AgentChannelServer.OperatorToken);
            using var scout = server.Client(ScoutToken);
            using var keeper = server.Client(KeeperToken);
            var scoutInfo = await Get(operatorClient, "/api/agents/scout");
            scoutInfo["capabilities"]!.ToJsonString().ShouldBe("""["maps","search"]""");
            scoutInfo["metadata"]!.ToJsonString().ShouldBe("""{"team":"blue"}""");
            (await Get(scout, "/api/agents/keeper"))["type"]!.GetValue<string>().ShouldBe("tool");
            var plan = await Get(scout, "/api/memory/notes/plan");
            (plan["version"]!.GetValue<long>(), plan["value"]!.ToJsonString()).ShouldBe((2L, """{"step":2}"""));
            (await scout.GetAsync("/api/memory/notes/gone", cancel)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await Get(scout, "/api/channels/crew"))["members"]!.ToJsonString().ShouldBe("""["scout","keeper"]""");
            var webhooks = (await Get(operatorClient, "/api/webhooks"))["items"]!.AsArray();
            webhookId = webhooks.ShouldHaveSingleItem()!["id"]!.GetValue<string>();
            // The post's audience was filled from the inbox it reached: the keeper, a member when it was posted, reads it.
            CrewPosts(await Get(keeper, "/api/messages")).ShouldBe(["hello crew"]);
            CrewPosts(await Get(scout, "/api/messages?channel=crew")).ShouldBe(["hello crew"]);
            using var anonymous = server.Client();
            var registered = await anonymous.PostAsJsonAsync("/api/agents/register", new { name = "newcomer", type = "llm" }, cancel);
            using var newcomer = server.Client((await registered.Content.ReadFromJsonAsync<JsonObject>(cancel))!["token"]!.GetValue<string>());
            (await newcomer.PostAsync("/api/channels/crew/join", null, cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
            CrewPosts(await Get(newcomer, "/api/messages?channel=crew")).ShouldBeEmpty("it joined after the post");
            (await newcomer.PostAsync("/api/channels/crew/leave", null, cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);

            // The next write of each moves it (and the keeper may still write what the old access control let it).
            (await keeper.PutAsJsonAsync("/api/memory/notes/plan", new { value = new { step = 3 }, expected_version = 2 }, cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
            var back = await keeper.PutAsJsonAsync("/api/memory/notes/gone", new { value = "back", expected_version = 0 }, cancel);
            (await back.Content.ReadFromJsonAsync<JsonObject>(cancel))!["version"]!.GetValue<long>().ShouldBe(3, "the tombstone of the old release kept the version");
            (await keeper.PostAsync("/api/channels/crew/leave", null, cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await operatorClient.PutAsJsonAsync("/api/agents/scout/status", new { status = "busy" }, cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await operatorClient.DeleteAsync($"/api/webhooks/{webhookId}", cancel)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        // Orleans' storage is only read now: nothing (grain state, stream subscriptions) was written to it.
        OrleansStorageRows().ShouldBe(storedByOrleans);
        var moved = GrainStatesStored();
        moved.ShouldContain(("memory", "notes/plan"));
        moved.ShouldContain(("memory", "notes/gone"));
        moved.ShouldContain(("channel", "crew"));
        moved.ShouldContain(("agent", "scout"));
        moved.ShouldContain(state => state.Type == "webhook");
        await using (var restarted = await AgentChannelServer.StartAsync(DatabasePath))
        {
            using var operatorClient = restarted.Client(AgentChannelServer.OperatorToken);
            using var scout = restarted.Client(ScoutToken);
            var plan = await Get(scout, "/api/memory/notes/plan");
            (plan["version"]!.GetValue<long>(), plan["value"]!.ToJsonString()).ShouldBe((3L, """{"step":3}"""));
            var history = (await Get(scout, "/api/memory/notes/plan/history"))["items"]!.AsArray();
            history.Select(version => version!["version"]!.GetValue<long>()).ShouldBe([3L, 2L, 1L]);
            (await Get(scout, "/api/memory/notes/gone"))["value"]!.GetValue<string>().ShouldBe("back");
            (await Get(scout, "/api/channels/crew"))["members"]!.ToJsonString().ShouldBe("""["scout"]""");
            using var keeper = restarted.Client(KeeperToken);
            CrewPosts(await Get(keeper, "/api/messages?channel=crew")).ShouldBe(["hello crew"], "it left after the post");
            var scoutInfo = await Get(scout, "/api/agents/scout");
            scoutInfo["status"]!.GetValue<string>().ShouldBe("busy");
            scoutInfo["capabilities"]!.ToJsonString().ShouldBe("""["maps","search"]""");
            (await operatorClient.GetAsync($"/api/webhooks/{webhookId}", cancel)).StatusCode.ShouldBe(HttpStatusCode.NotFound,
                "a deleted webhook's old state is never read again");
            (await Get(operatorClient, "/api/webhooks"))["items"]!.AsArray().ShouldBeEmpty();
        }
    }

    private static List<string> CrewPosts(JsonObject page) =>
        [.. page["items"]!.AsArray().Select(message => message!["content"]!.GetValue<string>())];

    private static async Task<JsonObject> Get(HttpClient client, string path) =>
        (await client.GetFromJsonAsync<JsonObject>(path, TestContext.Current.CancellationToken))!;

    /// <summary>Every row of Orleans' grain storage with its version.</summary>
    private List<string> OrleansStorageRows()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT GrainTypeString || ' ' || IFNULL(GrainIdExtensionString, '') || ' ' || Version FROM OrleansStorage ORDER BY 1";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    private List<(string Agent, string Task)> TaskParties()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT agent_key, task_id FROM task_parties ORDER BY agent_key, task_id";
        using var reader = command.ExecuteReader();
        var parties = new List<(string, string)>();
        while (reader.Read())
        {
            parties.Add((reader.GetString(0), reader.GetString(1)));
        }
        return parties;
    }

    private List<(string Type, string Key)> GrainStatesStored()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_type, grain_key FROM grain_states";
        using var reader = command.ExecuteReader();
        var states = new List<(string, string)>();
        while (reader.Read())
        {
            states.Add((reader.GetString(0), reader.GetString(1)));
        }
        return states;
    }

    private static async Task<JsonObject> Task(HttpClient client, string id) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/tasks/{id}", TestContext.Current.CancellationToken))!;

    private static async Task<string> Status(HttpClient client, string id) => (await Task(client, id))["status"]!.GetValue<string>();

    private List<string> StatesStoredInRows()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM tasks WHERE state IS NOT NULL";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
        return ValueTask.CompletedTask;
    }
}
