using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.Grains.Tests;

public sealed class MemoryGrainTests(ClusterFixture fixture)
{
    private IMemoryGrain Key(string key) => fixture.Grains.GetGrain<IMemoryGrain>(key);

    private static string UniqueKey(string prefix) => $"{prefix}/{Guid.NewGuid():N}";

    [Fact]
    public async Task Every_write_bumps_the_version_and_records_who_wrote()
    {
        var (_, _, alice) = await fixture.RegisterAgent("alice");
        var (_, _, bob) = await fixture.RegisterAgent("bob");
        var key = UniqueKey("research/results");

        var created = await Key(key).TrySet(alice, new MemoryWrite(RawJson.Parse("""{"findings":"a"}"""))).OrThrow();
        var updated = await Key(key).TrySet(bob, new MemoryWrite(RawJson.Parse("""{"findings":"b"}"""))).OrThrow();

        created.Created.ShouldBeTrue();
        created.Entry.Version.ShouldBe(1);
        updated.Created.ShouldBeFalse();
        updated.Entry.Version.ShouldBe(2);
        updated.Entry.CreatedBy.ShouldBe(alice.Name);
        updated.Entry.UpdatedBy.ShouldBe(bob.Name);
        (await Key(key).Get(bob)).Value.Text.ShouldBe("""{"findings":"b"}""");
    }

    [Fact]
    public async Task A_stale_expected_version_is_a_conflict_with_the_current_version_and_changes_nothing()
    {
        var (_, _, alice) = await fixture.RegisterAgent("alice");
        var key = UniqueKey("cas");
        await Key(key).TrySet(alice, new MemoryWrite(RawJson.Parse("1"))).OrThrow();
        await Key(key).TrySet(alice, new MemoryWrite(RawJson.Parse("2"), ExpectedVersion: 1)).OrThrow();

        var refused = await Key(key).TrySet(alice, new MemoryWrite(RawJson.Parse("3"), ExpectedVersion: 1));

        refused.Written.ShouldBeNull();
        refused.Conflict.ShouldBe(new MemoryVersionConflict(key, Expected: 1, Current: 2));
        var error = Should.Throw<AgentChannelException>(() => refused.OrThrow());
        error.Code.ShouldBe(ErrorKind.Conflict);
        error.CurrentVersion.ShouldBe(2);
        error.Message.ShouldBe($"Memory key '{key}' is at version 2, not 1.");
        var entry = await Key(key).Get(alice);
        entry.Version.ShouldBe(2);
        entry.Value.Text.ShouldBe("2");
        var absent = UniqueKey("cas");
        (await Key(absent).TrySet(alice, new MemoryWrite(RawJson.Parse("1"), ExpectedVersion: 3))).Conflict.ShouldBe(new MemoryVersionConflict(absent, 3, 0));
        (await Should.ThrowAsync<AgentChannelException>(() => Key(absent).Get(alice))).Code.ShouldBe(ErrorKind.NotFound);
    }

    [Fact]
    public async Task The_set_kept_for_clients_of_the_previous_release_answers_a_write_and_throws_a_conflict()
    {
        var (_, _, alice) = await fixture.RegisterAgent("alice");
        var key = UniqueKey("kept");
#pragma warning disable CS0618 // the method under test is the one kept for the previous release
        (await Key(key).Set(alice, new MemoryWrite(RawJson.Parse("1")))).Entry.Version.ShouldBe(1);
        var error = await Should.ThrowAsync<AgentChannelException>(() => Key(key).Set(alice, new MemoryWrite(RawJson.Parse("2"), ExpectedVersion: 0)));
#pragma warning restore CS0618

        (error.Code, error.CurrentVersion).ShouldBe((ErrorKind.Conflict, 1));
        (await Key(key).Get(alice)).Value.Text.ShouldBe("1");
    }

    [Fact]
    public async Task Access_control_is_enforced_in_the_grain()
    {
        var (_, _, owner) = await fixture.RegisterAgent("owner");
        var (reader, _, readerCaller) = await fixture.RegisterAgent("reader");
        var (_, _, stranger) = await fixture.RegisterAgent("stranger");
        var key = UniqueKey("private");
        await Key(key).TrySet(owner, new MemoryWrite(RawJson.Parse("\"secret\""), new AccessControl([reader.Name], []))).OrThrow();

        (await Key(key).Get(readerCaller)).Value.Text.ShouldBe("\"secret\"");
        (await Key(key).Get(Caller.Operator)).Version.ShouldBe(1);
        (await Should.ThrowAsync<AgentChannelException>(() => Key(key).Get(stranger))).Code.ShouldBe(ErrorKind.Forbidden);
        (await Should.ThrowAsync<AgentChannelException>(() => Key(key).TrySet(readerCaller, new MemoryWrite(RawJson.Parse("1"))).OrThrow())).Code.ShouldBe(ErrorKind.Forbidden);
        (await Should.ThrowAsync<AgentChannelException>(() => Key(key).Delete(readerCaller, null))).Code.ShouldBe(ErrorKind.Forbidden);
        (await Key(key).Get(owner)).Value.Text.ShouldBe("\"secret\"");
    }

    [Fact]
    public async Task Only_the_creator_or_operator_changes_access_control()
    {
        var (_, _, owner) = await fixture.RegisterAgent("owner");
        var (_, _, writer) = await fixture.RegisterAgent("writer");
        var key = UniqueKey("acl");
        await Key(key).TrySet(owner, new MemoryWrite(RawJson.Parse("1"))).OrThrow();

        (await Should.ThrowAsync<AgentChannelException>(() =>
            Key(key).TrySet(writer, new MemoryWrite(RawJson.Parse("2"), new AccessControl([writer.Name], [writer.Name]))).OrThrow())).Code.ShouldBe(ErrorKind.Forbidden);
        (await Key(key).Get(owner)).AccessControl.ShouldBe(AccessControl.Open);

        var locked = await Key(key).TrySet(owner, new MemoryWrite(RawJson.Parse("3"), new AccessControl([], []))).OrThrow();
        locked.Entry.AccessControl.Read.ShouldBeEmpty();
        (await Should.ThrowAsync<AgentChannelException>(() => Key(key).Get(writer))).Code.ShouldBe(ErrorKind.Forbidden);
    }

    [Fact]
    public async Task A_deleted_key_is_gone_and_a_re_created_key_continues_its_version()
    {
        var (_, _, alice) = await fixture.RegisterAgent("alice");
        var key = UniqueKey("tomb");
        await Key(key).TrySet(alice, new MemoryWrite(RawJson.Parse("1"))).OrThrow();

        await Key(key).Delete(alice, expectedVersion: 1);

        (await Should.ThrowAsync<AgentChannelException>(() => Key(key).Get(alice))).Code.ShouldBe(ErrorKind.NotFound);
        var again = await Key(key).TrySet(alice, new MemoryWrite(RawJson.Parse("2"), ExpectedVersion: 0)).OrThrow();
        again.Created.ShouldBeTrue();
        again.Entry.Version.ShouldBe(3);
    }

    [Fact]
    public async Task Values_over_the_size_limit_and_bad_keys_are_refused()
    {
        var (_, _, alice) = await fixture.RegisterAgent("alice");
        var huge = RawJson.Parse($"\"{new string('x', 300 * 1024)}\"");

        (await Should.ThrowAsync<AgentChannelException>(() => Key(UniqueKey("big")).TrySet(alice, new MemoryWrite(huge)).OrThrow())).Code.ShouldBe(ErrorKind.TooLarge);
        (await Should.ThrowAsync<AgentChannelException>(() => Key(" padded").TrySet(alice, new MemoryWrite(RawJson.Parse("1"))).OrThrow())).Field.ShouldBe("key");
        (await Should.ThrowAsync<AgentChannelException>(() => Key(UniqueKey("novalue")).TrySet(alice, new MemoryWrite(null)).OrThrow())).Field.ShouldBe("value");
    }

    [Fact]
    public async Task Listing_by_prefix_shows_only_keys_the_caller_may_read()
    {
        var (_, _, alice) = await fixture.RegisterAgent("alice");
        var (_, _, bob) = await fixture.RegisterAgent("bob");
        var prefix = $"ns-{Guid.NewGuid():N}/";
        await Key(prefix + "a").TrySet(alice, new MemoryWrite(RawJson.Parse("1"))).OrThrow();
        await Key(prefix + "b").TrySet(alice, new MemoryWrite(RawJson.Parse("1"), new AccessControl([], []))).OrThrow();
        await Key(prefix + "c").TrySet(bob, new MemoryWrite(RawJson.Parse("1"))).OrThrow();
        await Key(prefix.TrimEnd('/') + "x").TrySet(alice, new MemoryWrite(RawJson.Parse("1"))).OrThrow();
        var directory = fixture.Grains.GetGrain<IMemoryDirectoryGrain>(0);

        (await directory.List(alice, prefix, 10, null)).Items.Select(k => k.Key).ShouldBe([prefix + "a", prefix + "b", prefix + "c"]);
        (await directory.List(bob, prefix, 10, null)).Items.Select(k => k.Key).ShouldBe([prefix + "a", prefix + "c"]);

        var first = await directory.List(Caller.Operator, prefix, 2, null);
        first.Items.Count.ShouldBe(2);
        var rest = await directory.List(Caller.Operator, prefix, 2, first.NextCursor);
        rest.Items.Select(k => k.Key).ShouldBe([prefix + "c"]);
        rest.NextCursor.ShouldBeNull();
    }
}

public sealed class MemoryAccessControlTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Access_lists_are_canonical_so_resending_them_in_another_order_or_case_is_no_change()
    {
        var (_, _, owner) = await fixture.RegisterAgent("owner");
        var (alice, _, aliceCaller) = await fixture.RegisterAgent("alice");
        var (bob, _, _) = await fixture.RegisterAgent("bob");
        var key = $"canon/{Guid.NewGuid():N}";
        await fixture.Grains.GetGrain<IMemoryGrain>(key)
            .TrySet(owner, new MemoryWrite(RawJson.Parse("1"), new AccessControl([bob.Name, alice.Name], [alice.Name, bob.Name]))).OrThrow();

        var rewritten = await fixture.Grains.GetGrain<IMemoryGrain>(key).TrySet(aliceCaller,
            new MemoryWrite(RawJson.Parse("2"), new AccessControl([alice.Name.ToUpperInvariant(), bob.Name], [bob.Name, alice.Name]))).OrThrow();

        rewritten.Entry.Version.ShouldBe(2);
        rewritten.Entry.AccessControl.Read.ShouldBe(new[] { alice.Name, bob.Name }.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_list_left_out_keeps_its_value()
    {
        var (_, _, owner) = await fixture.RegisterAgent("owner");
        var (reader, _, _) = await fixture.RegisterAgent("reader");
        var key = $"partial/{Guid.NewGuid():N}";
        var grain = fixture.Grains.GetGrain<IMemoryGrain>(key);
        await grain.TrySet(owner, new MemoryWrite(RawJson.Parse("1"), new AccessControl(null!, []))).OrThrow();
        (await grain.Get(owner)).AccessControl.Read.ShouldBe([AccessControl.Everyone]);

        var narrowed = await grain.TrySet(owner, new MemoryWrite(RawJson.Parse("2"), new AccessControl([reader.Name], null!))).OrThrow();

        narrowed.Entry.AccessControl.Read.ShouldBe([reader.Name]);
        narrowed.Entry.AccessControl.Write.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_underscore_in_a_name_is_no_wildcard_in_the_listing()
    {
        var (_, _, owner) = await fixture.RegisterAgent("owner");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var named = $"a_{suffix}";
        var lookalike = $"ax{suffix}";
        foreach (var name in new[] { named, lookalike })
        {
            await fixture.Grains.GetGrain<Agents.IAgentGrain>(name).Register(new Agents.AgentRegistration(name, "llm", null, null), null);
        }
        var prefix = $"wild-{suffix}/";
        await fixture.Grains.GetGrain<IMemoryGrain>(prefix + "k").TrySet(owner, new MemoryWrite(RawJson.Parse("1"), new AccessControl([lookalike], []))).OrThrow();

        var listed = await fixture.Grains.GetGrain<IMemoryDirectoryGrain>(0).List(Identity.Caller.Agent(named), prefix, 10, null);

        listed.Items.ShouldBeEmpty();
        (await fixture.Grains.GetGrain<IMemoryDirectoryGrain>(0).List(Identity.Caller.Agent(lookalike), prefix, 10, null)).Items.Count.ShouldBe(1);
    }
}

public sealed class MemoryHistoryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task History_returns_each_versions_value_newest_first_within_its_bound()
    {
        var (_, _, alice) = await fixture.RegisterAgent("historian");
        var (_, _, bob) = await fixture.RegisterAgent("other");
        var key = $"hist/{Guid.NewGuid():N}";
        var grain = fixture.Grains.GetGrain<IMemoryGrain>(key);
        for (var i = 1; i <= 105; i++)
        {
            await grain.TrySet(i % 2 == 0 ? bob : alice, new MemoryWrite(RawJson.Parse($$"""{"n":{{i}}}"""))).OrThrow();
        }

        var history = await grain.History(alice, 100);

        history.Count.ShouldBe(100);
        history.Select(v => v.Version).ShouldBe(Enumerable.Range(6, 100).Reverse().Select(v => (long)v));
        history.ShouldAllBe(v => v.Value.Text == $$"""{"n":{{v.Version}}}""");
        history[0].UpdatedBy.ShouldBe(alice.Name);
        history[1].UpdatedBy.ShouldBe(bob.Name);
        (await grain.GetVersion(bob, 6)).Value.Text.ShouldBe("""{"n":6}""");
        (await Should.ThrowAsync<AgentChannelException>(() => grain.GetVersion(bob, 5))).Code.ShouldBe(ErrorKind.NotFound);
        (await Should.ThrowAsync<AgentChannelException>(() => grain.History(alice, 101))).Field.ShouldBe("limit");
    }

    [Fact]
    public async Task Deleting_a_key_removes_its_history_and_a_new_key_starts_a_new_one()
    {
        var (_, _, alice) = await fixture.RegisterAgent("deleter");
        var key = $"gone/{Guid.NewGuid():N}";
        var grain = fixture.Grains.GetGrain<IMemoryGrain>(key);
        await grain.TrySet(alice, new MemoryWrite(RawJson.Parse("1"))).OrThrow();
        await grain.TrySet(alice, new MemoryWrite(RawJson.Parse("2"))).OrThrow();

        await grain.Delete(alice, null);

        (await Should.ThrowAsync<AgentChannelException>(() => grain.History(alice, 10))).Code.ShouldBe(ErrorKind.NotFound);
        await grain.TrySet(alice, new MemoryWrite(RawJson.Parse("3"))).OrThrow();
        (await grain.History(alice, 10)).Select(v => v.Version).ShouldBe([4L]);
    }

    [Fact]
    public async Task A_key_with_a_ttl_expires_and_is_gone()
    {
        var (_, _, alice) = await fixture.RegisterAgent("ttl");
        var key = $"ttl/{Guid.NewGuid():N}";
        var grain = fixture.Grains.GetGrain<IMemoryGrain>(key);
        var written = await grain.TrySet(alice, new MemoryWrite(RawJson.Parse("1"), TtlSeconds: 0.3)).OrThrow();
        written.Entry.ExpiresAt.ShouldNotBeNull();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await fixture.Grains.GetGrain<IMemoryDirectoryGrain>(0).List(alice, key, 10, null) is { Items.Count: > 0 })
        {
            (DateTime.UtcNow < deadline).ShouldBeTrue("the expired key should leave the listing");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        (await Should.ThrowAsync<AgentChannelException>(() => grain.Get(alice))).Code.ShouldBe(ErrorKind.NotFound);
        (await Should.ThrowAsync<AgentChannelException>(() =>
            grain.TrySet(alice, new MemoryWrite(RawJson.Parse("1"), TtlSeconds: -1)).OrThrow())).Field.ShouldBe("ttl_seconds");
    }

    [Theory]
    [InlineData("notes/history")]
    [InlineData("a/../b")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    [InlineData("/leading")]
    [InlineData("trailing/")]
    public async Task Keys_that_a_url_path_would_rewrite_or_that_name_a_history_are_refused(string key)
    {
        var (_, _, alice) = await fixture.RegisterAgent("suffix");
        (await Should.ThrowAsync<AgentChannelException>(() =>
            fixture.Grains.GetGrain<IMemoryGrain>(key).TrySet(alice, new MemoryWrite(RawJson.Parse("1"))).OrThrow())).Field.ShouldBe("key");
    }
}
