using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;
using Orleans.Runtime;

namespace Orleans.AgentChannel.Grains.Tests;

public sealed class MessagingTests(ClusterFixture fixture)
{
    private IMessagesGrain Messages => fixture.Grains.GetGrain<IMessagesGrain>(0);

    [Fact]
    public async Task Too_many_messages_in_one_call_are_refused_and_none_is_stored()
    {
        var (_, _, senderCaller) = await fixture.RegisterAgent("bulk");
        var (recipient, _, _) = await fixture.RegisterAgent("bulk-rcv");
        var drafts = Enumerable.Range(0, 1001).Select(i => new MessageDraft($"m{i}", [recipient.Name])).ToList();

        var error = await Should.ThrowAsync<AgentChannelException>(() => Messages.SendMany(senderCaller, drafts));

        error.Code.ShouldBe(ErrorKind.TooLarge);
        (await Messages.List(Caller.Operator, new MessageQuery(Recipient: recipient.Name))).Items.ShouldBeEmpty();
        (await Messages.SendMany(senderCaller, drafts[..1000])).ShouldAllBe(outcome => outcome.Message != null);
    }

    [Fact]
    public async Task A_direct_message_is_stored_and_found_by_sender_recipient_and_id()
    {
        var (sender, _, senderCaller) = await fixture.RegisterAgent("sender");
        var (recipient, _, _) = await fixture.RegisterAgent("recipient");

        var sent = await Messages.Send(senderCaller, new MessageDraft("hello", [recipient.Name.ToUpperInvariant()],
            MessageType: "status", Metadata: RawJson.Parse("""{"k":1}""")));

        sent.Sequence.ShouldBeGreaterThan(0);
        sent.Sender.ShouldBe(sender.Name);
        sent.Recipients.ShouldBe([recipient.Name]);
        var stored = await Messages.Get(Caller.Operator, sent.Id);
        stored.Content.ShouldBe("hello");
        stored.Sequence.ShouldBe(sent.Sequence);
        stored.Recipients.ShouldBe([recipient.Name]);
        stored.MessageType.ShouldBe("status");
        stored.Metadata.Text.ShouldBe("""{"k":1}""");
        (await Messages.List(Caller.Operator, new MessageQuery(Recipient: recipient.Name))).Items.Single().Id.ShouldBe(sent.Id);
        (await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name.ToUpperInvariant()))).Items.Single().Content.ShouldBe("hello");
    }

    [Fact]
    public async Task Messages_to_unknown_agents_are_not_found_and_nothing_is_stored()
    {
        var (sender, _, senderCaller) = await fixture.RegisterAgent("lonely");
        var (recipient, _, _) = await fixture.RegisterAgent("known");

        var error = await Should.ThrowAsync<AgentChannelException>(() =>
            Messages.Send(senderCaller, new MessageDraft("hi", [recipient.Name, "ghost-agent"])));

        error.Code.ShouldBe(ErrorKind.NotFound);
        error.Message.ShouldContain("ghost-agent");
        (await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name))).Items.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("", "content")]
    [InlineData("x", "recipients")]
    public async Task Drafts_without_content_or_destination_are_invalid(string content, string field)
    {
        var (_, _, senderCaller) = await fixture.RegisterAgent("drafter");
        var error = await Should.ThrowAsync<AgentChannelException>(() => Messages.Send(senderCaller, new MessageDraft(content)));
        error.Code.ShouldBe(ErrorKind.Invalid);
        error.Field.ShouldBe(field);
    }

    [Fact]
    public async Task A_message_cannot_go_to_recipients_and_a_channel_at_once()
    {
        var (_, _, senderCaller) = await fixture.RegisterAgent("both");
        var error = await Should.ThrowAsync<AgentChannelException>(() =>
            Messages.Send(senderCaller, new MessageDraft("x", ["someone"], Channel: "general")));
        error.Field.ShouldBe("recipients");
    }

    [Fact]
    public async Task A_task_thread_message_reaches_the_creator_and_assignee_but_not_the_sender()
    {
        var (creator, _, creatorCaller) = await fixture.RegisterAgent("threader");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("threaded");
        var taskId = Guid.NewGuid();
        await fixture.Grains.GetGrain<ITaskGrain>(taskId).Create(creatorCaller, new NewTask("t", AssignTo: worker.Name));

        var sent = await Messages.Send(workerCaller, new MessageDraft("on it", TaskId: taskId));

        sent.Recipients.ShouldBe([creator.Name]);
        (await Messages.List(Caller.Operator, new MessageQuery(TaskId: taskId))).Items.Single().Id.ShouldBe(sent.Id);
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.Send(workerCaller, new MessageDraft("x", TaskId: Guid.NewGuid()))))
            .Code.ShouldBe(ErrorKind.NotFound);
    }

    [Fact]
    public async Task Channel_posts_join_the_sender_number_messages_and_resume_the_sequence_after_reactivation()
    {
        var (poster, _, posterCaller) = await fixture.RegisterAgent("poster");
        var channelName = $"chan-{Guid.NewGuid():N}";

        var first = await Messages.Send(posterCaller, new MessageDraft("one", Channel: channelName.ToUpperInvariant()));
        await Messages.Send(posterCaller, new MessageDraft("two", Channel: channelName));
        var channel = fixture.Grains.GetGrain<IChannelGrain>(channelName);
        var info = await channel.Get();

        first.Channel.ShouldBe(channelName);
        info.Members.ShouldBe([poster.Name]);
        info.MessageSequence.ShouldBe(2);

        // Deactivate every idle grain: the channel must come back with its members and sequence from storage.
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);
        (await channel.Get()).MessageSequence.ShouldBe(2);
        (await channel.Get()).Members.ShouldBe([poster.Name]);
        await Messages.Send(posterCaller, new MessageDraft("three", Channel: channelName));
        (await channel.Get()).MessageSequence.ShouldBe(3);

        var history = await Messages.List(Caller.Operator, new MessageQuery(Channel: channelName, Ascending: true));
        history.Items.Select(m => m.Content).ShouldBe(["one", "two", "three"]);
        (await fixture.Grains.GetGrain<IChannelDirectoryGrain>(0).List()).ShouldContain(c => c.Name == channelName && c.MessageSequence == 3);
    }

    [Fact]
    public async Task History_pages_newest_first_with_a_cursor_and_filters_by_time()
    {
        var (sender, _, senderCaller) = await fixture.RegisterAgent("pager");
        var (recipient, _, _) = await fixture.RegisterAgent("paged");
        var sent = new List<MessageInfo>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add(await Messages.Send(senderCaller, new MessageDraft($"m{i}", [recipient.Name])));
        }

        var page1 = await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name, Limit: 3));
        page1.Items.Select(m => m.Content).ShouldBe(["m4", "m3", "m2"]);
        var page2 = await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name, Limit: 3, Cursor: page1.NextCursor));
        page2.Items.Select(m => m.Content).ShouldBe(["m1", "m0"]);
        page2.NextCursor.ShouldBeNull();

        var future = await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name, Since: DateTimeOffset.UtcNow.AddMinutes(1)));
        future.Items.ShouldBeEmpty();
        var past = await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name, Before: DateTimeOffset.UtcNow.AddMinutes(-10)));
        past.Items.ShouldBeEmpty();
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.List(Caller.Operator, new MessageQuery(Limit: 0)))).Field.ShouldBe("limit");
    }
}

public sealed class OperatorChannelTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_operator_posts_into_a_channel_without_becoming_a_member()
    {
        var channelName = $"ops-{Guid.NewGuid():N}";
        var posted = await fixture.Grains.GetGrain<IMessagesGrain>(0)
            .Send(Identity.Caller.Operator, new MessageDraft("maintenance at noon", Channel: channelName));

        posted.Sender.ShouldBe(Identity.Caller.OperatorName);
        var channel = await fixture.Grains.GetGrain<IChannelGrain>(channelName).Get();
        channel.Members.ShouldBeEmpty();
        channel.MessageSequence.ShouldBe(1);
    }
}
