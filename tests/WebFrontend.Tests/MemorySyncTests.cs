using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class MemorySyncTests(ServerFixture fixture)
{
    private static string UniqueKey(string prefix) => $"{prefix}/{Guid.NewGuid():N}";

    [Fact]
    public async Task Two_agents_racing_compare_and_set_increments_end_with_exactly_the_successful_writes()
    {
        var alice = await fixture.Register("racer");
        var bob = await fixture.Register("racer");
        var key = UniqueKey("counter");
        (await alice.Http.Post("/api/memory", new { key, value = 0 })).Status.ShouldBe(HttpStatusCode.Created);
        var conflicts = 0;

        async Task<int> Increment(TestAgent agent, int times)
        {
            var succeeded = 0;
            while (succeeded < times)
            {
                var current = await agent.Http.Get($"/api/memory/{key}");
                var version = current.Json["version"]!.GetValue<long>();
                var value = current.Json["value"]!.GetValue<int>();
                var write = await agent.Http.Send(HttpMethod.Put, $"/api/memory/{key}", new { value = value + 1 },
                    request => request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\""));
                if (write.Status == HttpStatusCode.OK)
                {
                    succeeded++;
                }
                else
                {
                    write.ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
                    Interlocked.Increment(ref conflicts);
                }
            }
            return succeeded;
        }

        var results = await Task.WhenAll(Increment(alice, 25), Increment(bob, 25));

        var final = await alice.Http.Get($"/api/memory/{key}");
        final.Json["value"]!.GetValue<int>().ShouldBe(results.Sum());
        final.Json["version"]!.GetValue<long>().ShouldBe(1 + results.Sum());
        var history = await alice.Http.Get($"/api/memory/{key}/history?limit=100");
        history.Json["items"]!.AsArray().Count.ShouldBe(51);
    }

    [Fact]
    public async Task History_and_versions_over_http()
    {
        var agent = await fixture.Register("hist");
        var stranger = await fixture.Register("stranger");
        var key = UniqueKey("notes");
        await agent.Http.Post("/api/memory", new { key, value = "first", access_control = new { read = Array.Empty<string>() } });
        await agent.Http.Put($"/api/memory/{key}", new { value = "second" });

        var history = await agent.Http.Get($"/api/memory/{key}/history");
        history.Json["items"]!.AsArray().Select(v => v!["value"]!.GetValue<string>()).ShouldBe(["second", "first"]);
        history.Json["items"]![0]!["updated_by"]!.GetValue<string>().ShouldBe(agent.Name);
        (await agent.Http.Get($"/api/memory/{key}?version=1")).Json["value"]!.GetValue<string>().ShouldBe("first");
        (await agent.Http.Get($"/api/memory/{key}?version=9")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await stranger.Http.Get($"/api/memory/{key}/history")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await stranger.Http.Get($"/api/memory/{key}?version=1")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await agent.Http.Post("/api/memory", new { key = "x/history", value = 1 })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "key");
    }

    [Fact]
    public async Task Watchers_get_every_change_in_order_including_deletion_and_expiry_and_unwatch_stops_them()
    {
        await using var writer = await WsClient.Connect(fixture.Server);
        await using var watcher = await WsClient.Connect(fixture.Server);
        await using var outsider = await WsClient.Connect(fixture.Server);
        await writer.Register(new { name = $"mw-{Guid.NewGuid():N}"[..12], type = "llm" });
        await watcher.Register(new { name = $"mwa-{Guid.NewGuid():N}"[..13], type = "llm" });
        await outsider.Register(new { name = $"mwo-{Guid.NewGuid():N}"[..13], type = "llm" });
        var key = UniqueKey("synced");
        await watcher.Ack("memory:watch", new { key });

        for (var i = 1; i <= 20; i++)
        {
            await writer.Ack("memory:set", new { key, value = i });
        }
        var updates = await watcher.Collect("memory:updated", 20);
        updates.Select(u => u["data"]!["version"]!.GetValue<long>()).ShouldBe(Enumerable.Range(1, 20).Select(v => (long)v));
        updates.Select(u => u["data"]!["value"]!.GetValue<int>()).ShouldBe(Enumerable.Range(1, 20));

        var big = await writer.Ack("memory:set", new { key, value = new string('x', 20_000) });
        var omitted = await watcher.NextPush(p => p["event"]!.GetValue<string>() == "memory:updated");
        omitted["data"]!["value_omitted"]!.GetValue<bool>().ShouldBeTrue();
        omitted["data"]!["value"].ShouldBeNull();
        omitted["data"]!["version"]!.GetValue<long>().ShouldBe(big["version"]!.GetValue<long>());

        await outsider.Ack("memory:set", new { key = key + "-locked", value = 1, access_control = new { write = Array.Empty<string>() } });
        var denied = await writer.Request("memory:set", new { key = key + "-locked", value = 2 });
        denied["event"]!.GetValue<string>().ShouldBe("error");
        denied["data"]!["code"]!.GetValue<string>().ShouldBe("forbidden");
        (await writer.Ack("memory:get", new { key = key + "-locked" }))["value"]!.GetValue<int>().ShouldBe(1);

        using (var http = fixture.Server.Client(AgentChannelServer.OperatorToken))
        {
            (await http.Delete($"/api/memory/{key}")).Status.ShouldBe(HttpStatusCode.NoContent);
        }
        var deleted = await watcher.NextPush(p => p["event"]!.GetValue<string>() == "memory:updated");
        deleted["data"]!["deleted"]!.GetValue<bool>().ShouldBeTrue();

        await writer.Ack("memory:set", new { key, value = "short-lived", ttl_seconds = 0.2 });
        (await watcher.NextPush(p => p["event"]!.GetValue<string>() == "memory:updated"))["data"]!["deleted"]!.GetValue<bool>().ShouldBeFalse();
        var expired = await watcher.NextPush(p => p["event"]!.GetValue<string>() == "memory:updated");
        expired["data"]!["deleted"]!.GetValue<bool>().ShouldBeTrue();
        expired["data"]!["expired"]!.GetValue<bool>().ShouldBeTrue();

        await watcher.Ack("memory:unwatch", new { key });
        var sentinel = UniqueKey("sentinel");
        await watcher.Ack("memory:watch", new { key = sentinel });
        await writer.Ack("memory:set", new { key, value = "unseen" });
        await writer.Ack("memory:set", new { key = sentinel, value = "seen" });
        // Once memory:unwatch is acked the watch is out of the index the key's grain asks, so it sends nothing for
        // the key; the sentinel shows the watcher is still being served.
        var next = await watcher.NextPush(p => p["event"]!.GetValue<string>() == "memory:updated");
        next["data"]!["key"]!.GetValue<string>().ShouldBe(sentinel);
    }

    [Fact]
    public async Task A_watch_with_a_snapshot_starts_with_the_readable_keys_as_they_stand_then_goes_live()
    {
        await using var writer = await WsClient.Connect(fixture.Server);
        await using var watcher = await WsClient.Connect(fixture.Server);
        var writerName = $"ms-{Guid.NewGuid():N}"[..12];
        await writer.Register(new { name = writerName, type = "llm" });
        await watcher.Register(new { name = $"msw-{Guid.NewGuid():N}"[..13], type = "llm" });
        var prefix = UniqueKey("snap") + "/";
        await writer.Ack("memory:set", new { key = prefix + "a", value = 1 });
        await writer.Ack("memory:set", new { key = prefix + "a", value = 2 });
        await writer.Ack("memory:set", new { key = prefix + "b", value = "two" });
        await writer.Ack("memory:set", new { key = prefix + "secret", value = "hidden", access_control = new { read = new[] { writerName } } });

        await watcher.Ack("memory:watch", new { prefix, snapshot = true });
        var snapshot = await watcher.Collect("memory:updated", 2);
        snapshot.Select(update => (update["data"]!["key"]!.GetValue<string>(), update["data"]!["version"]!.GetValue<long>(), update["data"]!["value"]!.ToJsonString()))
            .OrderBy(update => update.Item1, StringComparer.Ordinal)
            .ShouldBe([(prefix + "a", 2L, "2"), (prefix + "b", 1L, "\"two\"")]);
        snapshot.ShouldAllBe(update => update["data"]!["snapshot"]!.GetValue<bool>());
        snapshot.ShouldAllBe(update => update["seq"] == null);

        await writer.Ack("memory:set", new { key = prefix + "a", value = 3 });
        var live = await watcher.NextPush(p => p["event"]!.GetValue<string>() == "memory:updated");
        (live["data"]!["key"]!.GetValue<string>(), live["data"]!["version"]!.GetValue<long>()).ShouldBe((prefix + "a", 3L));
        (live["data"]!["snapshot"]?.GetValue<bool>() ?? false).ShouldBeFalse();
        watcher.Drain().ShouldNotContain(p => p.ToJsonString().Contains("hidden"));
    }
}
