using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>A cluster whose grain-state collections have small limits, so reaching them takes a few calls.</summary>
public sealed class SmallLimitsClusterFixture : ClusterFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["AgentChannel:Limits:MaxDependencies"] = "2",
        ["AgentChannel:Limits:MaxDependents"] = "2",
        ["AgentChannel:Limits:MaxChannelMembers"] = "2",
    };
}

/// <summary>Dependencies, dependents and channel members are kept in grain state, so each has a limit.</summary>
public sealed class GrainStateLimitsTests(SmallLimitsClusterFixture fixture) : IClassFixture<SmallLimitsClusterFixture>
{
    private static RawJson Unassignable() => RawJson.Parse($$"""{"capabilities":["held-by-nobody-{{Guid.NewGuid():N}}"]}""");

    private async Task<Guid> CreatedTask(Identity.Caller creator, params Guid[] dependsOn)
    {
        var id = Guid.NewGuid();
        await fixture.Grains.GetGrain<ITaskGrain>(id).Create(creator, new NewTask("t", Requirements: Unassignable(), DependsOn: dependsOn));
        return id;
    }

    [Fact]
    public async Task A_task_depending_on_more_tasks_than_the_limit_is_refused_naming_depends_on_and_not_created()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        Guid[] three = [await CreatedTask(creator), await CreatedTask(creator), await CreatedTask(creator)];
        var refusedId = Guid.NewGuid();

        var refused = await Should.ThrowAsync<AgentChannelException>(() =>
            fixture.Grains.GetGrain<ITaskGrain>(refusedId).Create(creator, new NewTask("t", DependsOn: three)));

        refused.Code.ShouldBe(ErrorKind.Invalid);
        refused.Field.ShouldBe("depends_on");
        (await Should.ThrowAsync<AgentChannelException>(() => fixture.Grains.GetGrain<ITaskGrain>(refusedId).Get())).Code.ShouldBe(ErrorKind.NotFound);
        (await CreatedTask(creator, three[0], three[1])).ShouldNotBe(Guid.Empty);
    }

    [Fact]
    public async Task An_update_to_more_dependencies_than_the_limit_is_refused_and_changes_nothing()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var first = await CreatedTask(creator);
        var task = fixture.Grains.GetGrain<ITaskGrain>(await CreatedTask(creator, first));

        Guid[] tooMany = [first, await CreatedTask(creator), await CreatedTask(creator)];

        var refused = await Should.ThrowAsync<AgentChannelException>(() => task.Update(creator, new TaskUpdate(DependsOn: tooMany)));

        refused.Field.ShouldBe("depends_on");
        (await task.Get()).DependsOn.ShouldBe([first]);
    }

    [Fact]
    public async Task A_task_with_the_most_dependents_cannot_be_named_by_another_but_by_one_already_depending_on_it()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var shared = await CreatedTask(creator);
        var firstDependent = await CreatedTask(creator, shared);
        await CreatedTask(creator, shared);
        // AddDependent is one-way: wait until the shared task has counted both.
        var sharedGrain = fixture.Grains.GetGrain<ITaskGrain>(shared);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await sharedGrain.HasRoomForDependent(Guid.NewGuid()))
        {
            (DateTime.UtcNow < deadline).ShouldBeTrue("the shared task never counted its two dependents");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var refused = await Should.ThrowAsync<AgentChannelException>(() => CreatedTask(creator, shared));

        refused.Code.ShouldBe(ErrorKind.Invalid);
        refused.Field.ShouldBe("depends_on");
        refused.Message.ShouldContain(shared.ToString());
        (await sharedGrain.HasRoomForDependent(firstDependent)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_full_channel_refuses_a_join_and_a_post_by_a_non_member_naming_channel()
    {
        var channelName = $"full-{Guid.NewGuid():N}";
        var channel = fixture.Grains.GetGrain<IChannelGrain>(channelName);
        var (_, _, first) = await fixture.RegisterAgent("member");
        var (_, _, second) = await fixture.RegisterAgent("member");
        var (_, _, third) = await fixture.RegisterAgent("outsider");
        await channel.Join(first);
        await channel.Join(second);

        var join = await Should.ThrowAsync<AgentChannelException>(() => channel.Join(third));
        var post = await Should.ThrowAsync<AgentChannelException>(() =>
            fixture.Grains.GetGrain<IMessagesGrain>(0).Send(third, new MessageDraft("hello", Channel: channelName)));

        join.Code.ShouldBe(ErrorKind.Invalid);
        join.Field.ShouldBe("channel");
        post.Code.ShouldBe(ErrorKind.Invalid);
        post.Field.ShouldBe("channel");
        var info = await channel.Get();
        info.Members.Count.ShouldBe(2);
        info.MessageSequence.ShouldBe(0);
        // A member still posts.
        await fixture.Grains.GetGrain<IMessagesGrain>(0).Send(first, new MessageDraft("hello", Channel: channelName));
        (await channel.Get()).MessageSequence.ShouldBe(1);
    }
}
