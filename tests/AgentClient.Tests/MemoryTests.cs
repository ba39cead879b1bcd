using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>Shared memory from C#: typed values, versions, conflicts and watches, beside a WebSocket agent.</summary>
public sealed class MemoryTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    private sealed record Plan(string Findings, int FindingsCount);

    [Fact]
    public async Task Values_round_trip_typed_and_a_stale_expected_version_is_a_conflict_with_the_current_version()
    {
        var key = $"{TestServer.Unique("plans")}/q3";
        var (ws, _) = await Server.ConnectWebSocket(TestServer.Unique("ws"));
        await using var _ws = ws;
        await using var agent = await Server.Connect(TestServer.Unique("cs"));
        var cancel = TestContext.Current.CancellationToken;

        (await agent.SetMemoryAsync(key, new Plan("first", 1), expectedVersion: 0, cancellationToken: cancel)).Version.ShouldBe(1);
        var read = await agent.GetMemoryAsync<Plan>(key, cancel);
        read.Value.ShouldBe(new Plan("first", 1));
        read.Version.ShouldBe(1);
        read.Entry.CreatedBy.ShouldBe(agent.Name);
        // Other clients read the same JSON shape: snake_case, as the REST API writes it.
        (await ws.Ack("memory:get", new { key }))["value"]!["findings_count"]!.GetValue<int>().ShouldBe(1);

        var conflict = await Should.ThrowAsync<ConflictException>(() => agent.SetMemoryAsync(key, new Plan("lost", 0), expectedVersion: 0, cancellationToken: cancel));
        conflict.Code.ShouldBe(ErrorKind.Conflict);
        conflict.WireCode.ShouldBe("conflict");
        conflict.CurrentVersion.ShouldBe(1);
        (await agent.SetMemoryAsync(key, read.Value with { FindingsCount = 2 }, expectedVersion: read.Version, cancellationToken: cancel)).Version.ShouldBe(2);
        (await agent.GetMemoryAsync<Plan>(key, cancel)).Value.FindingsCount.ShouldBe(2);

        await Should.ThrowAsync<InvalidRequestException>(() => agent.SetMemoryAsync<Plan?>(key, null, cancellationToken: cancel));
        // A blank key is refused as over REST (400 naming the field), not by Orleans' own grain-key check.
        (await Should.ThrowAsync<InvalidRequestException>(() => agent.GetMemoryAsync(" ", cancel))).Field.ShouldBe("key");
        (await Should.ThrowAsync<InvalidRequestException>(() => agent.SetMemoryAsync("\t", 1, cancellationToken: cancel))).Field.ShouldBe("key");
        (await Should.ThrowAsync<InvalidRequestException>(() => agent.WatchMemoryPrefixAsync(" ", cancellationToken: cancel))).Field.ShouldBe("prefix");
        await agent.DeleteMemoryAsync(key, expectedVersion: 2, cancellationToken: cancel);
        (await Should.ThrowAsync<NotFoundException>(() => agent.GetMemoryAsync(key, cancel))).WireCode.ShouldBe("not_found");
    }

    [Fact]
    public async Task Memory_updates_arrive_for_watched_keys_and_prefixes_the_agent_may_read_and_stop_after_unwatching()
    {
        var scope = TestServer.Unique("team");
        var wsName = TestServer.Unique("ws");
        var (ws, _) = await Server.ConnectWebSocket(wsName);
        await using var _ws = ws;
        await using var agent = await Server.Connect(TestServer.Unique("cs"));
        var watched = $"{scope}/plan";
        await agent.WatchMemoryAsync(watched, cancellationToken: TestContext.Current.CancellationToken);
        var watches = await agent.WatchMemoryPrefixAsync($"{scope}/notes/", cancellationToken: TestContext.Current.CancellationToken);
        watches.Keys.ShouldBe([watched]);
        watches.Prefixes.ShouldBe([$"{scope}/notes/"]);
        // Up to the updates of the last writes to both keys: one that came after a newer version of its key is
        // dropped on the way in, so the first write to notes/open may not show.
        var updates = agent.ReadMemoryUpdatesAsync(TestContext.Current.CancellationToken)
            .TakeUntil(taken => taken.Any(update => update.Key == watched) && taken.Any(update => update.Value?.Text == "5"));

        await ws.Ack("memory:set", new { key = $"{scope}/other", value = 1 });
        await ws.Ack("memory:set", new { key = $"{scope}/notes/secret", value = 2, access_control = new { read = new[] { wsName }, write = new[] { wsName } } });
        await ws.Ack("memory:set", new { key = watched, value = new { step = 3 } });
        await ws.Ack("memory:set", new { key = $"{scope}/notes/open", value = 4 });
        await agent.SetMemoryAsync($"{scope}/notes/open", 5, cancellationToken: TestContext.Current.CancellationToken);

        // Only the keys watched and readable, each key's updates in the order they were written (versions only rise);
        // different keys' may interleave.
        var seen = await updates;
        seen.Select(update => update.Key).Distinct().Order().ShouldBe([.. new[] { watched, $"{scope}/notes/open" }.Order()]);
        seen.Where(update => update.Key == watched).Select(update => (update.Value!.Value.Text, update.UpdatedBy))
            .ShouldBe([("""{"step":3}""", wsName)]);
        var open = seen.Where(update => update.Key == $"{scope}/notes/open").ToList();
        open.Select(update => update.Version).ShouldBeInOrder(SortDirection.Ascending);
        open.Select(update => update.Version).ShouldBeUnique();
        open[^1].UpdatedBy.ShouldBe(agent.Name);
        open.SkipLast(1).ShouldAllBe(update => update.Value!.Value.Text == "4" && update.UpdatedBy == wsName);

        (await agent.UnwatchMemoryAsync(watched, TestContext.Current.CancellationToken)).Keys.ShouldBeEmpty();
        var afterUnwatch = agent.ReadMemoryUpdatesAsync(TestContext.Current.CancellationToken).Take(1);
        await ws.Ack("memory:set", new { key = watched, value = 6 });
        await ws.Ack("memory:set", new { key = $"{scope}/notes/open", value = 7 });
        (await afterUnwatch).ShouldHaveSingleItem().Key.ShouldBe($"{scope}/notes/open");
    }
}
