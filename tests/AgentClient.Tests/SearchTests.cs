using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>Search from C#: the grain calls an agent token may make at the gateway, under the same rules as REST.</summary>
public sealed class SearchTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    [Fact]
    public async Task An_agent_finds_its_own_messages_and_readable_keys_and_nothing_of_anyone_elses()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var alice = await Server.Connect(TestServer.Unique("alice"));
        await using var bob = await Server.Connect(TestServer.Unique("bob"));
        await using var eve = await Server.Connect(TestServer.Unique("eve"));
        var word = $"okapi{Guid.NewGuid():N}";
        var sent = await alice.SendMessageAsync($"the {word} has landed", [bob.Name], cancellationToken: cancel);
        var key = $"{TestServer.Unique("vault")}/notes";
        await alice.SetMemoryAsync(key, new { text = word }, accessControl: new AccessControl([bob.Name], []), cancellationToken: cancel);

        var found = (await bob.SearchMessagesAsync(word, cancellationToken: cancel)).Items.ShouldHaveSingleItem();
        (found.Message.Id, found.Snippet).ShouldBe((sent.Id, $"the **{word}** has landed"));
        (await bob.SearchMemoryAsync(word, cancellationToken: cancel)).Items.ShouldHaveSingleItem().Entry.Key.ShouldBe(key);
        (await eve.SearchMessagesAsync(word, new MessageQuery(Sender: alice.Name), cancel)).Items.ShouldBeEmpty();
        (await eve.SearchMemoryAsync(word, cancellationToken: cancel)).Items.ShouldBeEmpty();
        (await eve.SearchMemoryAsync("vault notes", cancellationToken: cancel)).Items.ShouldNotContain(hit => hit.Entry.Key == key);
        await Should.ThrowAsync<InvalidRequestException>(() => eve.SearchMessagesAsync("***", cancellationToken: cancel));
    }
}
