using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// A database made by the release before task state moved into the tasks table (commit 0140fcc: agents worker_a
/// and boss; one task pending, one assigned to worker_a, one completed by worker_a with {"answer":42}), opened by
/// this build.
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
