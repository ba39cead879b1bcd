using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Grains.Tests;

public sealed class AgentGrainTests(ClusterFixture fixture)
{
    private IAgentGrain Agent(string name) => fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(name));

    [Fact]
    public async Task Register_returns_a_token_once_and_the_token_authenticates()
    {
        var registered = await Agent("Alpha-1").Register(
            new AgentRegistration("Alpha-1", "llm", ["research", "summarize"], RawJson.Parse("""{"model":"m1"}""")), null);

        registered.Created.ShouldBeTrue();
        registered.Token.ShouldNotBeNullOrEmpty();
        registered.Agent.Name.ShouldBe("Alpha-1");
        registered.Agent.Status.ShouldBe(AgentStatus.Online);
        registered.Agent.Capabilities.ShouldBe(["research", "summarize"]);
        registered.Agent.Metadata.Text.ShouldBe("""{"model":"m1"}""");

        (await Agent("alpha-1").Authenticate(registered.Token!)).ShouldNotBeNull().Id.ShouldBe(registered.Agent.Id);
        (await Agent("alpha-1").Authenticate(registered.Token! + "x")).ShouldBeNull();
    }

    [Fact]
    public async Task Re_registering_a_taken_name_without_its_token_is_a_conflict_and_changes_nothing()
    {
        var (agent, _, _) = await fixture.RegisterAgent("taken");

        var error = await Should.ThrowAsync<AgentChannelException>(() =>
            Agent(agent.Name.ToUpperInvariant()).Register(new AgentRegistration(agent.Name.ToUpperInvariant(), "other", ["x"], null), null));

        error.Code.ShouldBe(ErrorKind.Conflict);
        var stored = await Agent(agent.Name).Get();
        stored.ShouldNotBeNull().Type.ShouldBe("llm");
        stored.Capabilities.ShouldBeEmpty();
    }

    [Fact]
    public async Task Re_registering_with_its_token_updates_the_profile_and_keeps_the_identity()
    {
        var (agent, token, _) = await fixture.RegisterAgent("updater");

        var again = await Agent(agent.Name).Register(new AgentRegistration(agent.Name, "tool", ["code"], null), token);

        again.Created.ShouldBeFalse();
        again.Token.ShouldBeNull();
        again.Agent.Id.ShouldBe(agent.Id);
        again.Agent.Type.ShouldBe("tool");
        again.Agent.Capabilities.ShouldBe(["code"]);
        (await Agent(agent.Name).Authenticate(token)).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("", "name")]
    [InlineData("has space", "name")]
    [InlineData("-leading", "name")]
    public async Task Invalid_names_are_refused(string name, string field)
    {
        var error = await Should.ThrowAsync<AgentChannelException>(() =>
            Agent(name.Length == 0 ? "empty" : name).Register(new AgentRegistration(name, "llm", null, null), null));
        error.Code.ShouldBe(ErrorKind.Invalid);
        error.Field.ShouldBe(field);
    }

    [Fact]
    public async Task The_operator_name_is_reserved()
    {
        var error = await Should.ThrowAsync<AgentChannelException>(() =>
            Agent("Operator").Register(new AgentRegistration("Operator", "llm", null, null), null));
        error.Code.ShouldBe(ErrorKind.Conflict);
    }

    [Fact]
    public async Task Metadata_must_be_an_object_and_type_is_required()
    {
        var notObject = await Should.ThrowAsync<AgentChannelException>(() =>
            Agent("meta-agent").Register(new AgentRegistration("meta-agent", "llm", null, RawJson.Parse("[1]")), null));
        notObject.Field.ShouldBe("metadata");

        var noType = await Should.ThrowAsync<AgentChannelException>(() =>
            Agent("meta-agent").Register(new AgentRegistration("meta-agent", " ", null, null), null));
        noType.Field.ShouldBe("type");
        (await Agent("meta-agent").Get()).ShouldBeNull();
    }

    [Fact]
    public async Task Only_the_agent_itself_or_the_operator_sets_its_status()
    {
        var (agent, _, caller) = await fixture.RegisterAgent("status");
        var (_, _, stranger) = await fixture.RegisterAgent("stranger");

        (await Agent(agent.Name).SetStatus(caller, AgentStatus.Busy)).Status.ShouldBe(AgentStatus.Busy);
        (await Should.ThrowAsync<AgentChannelException>(() => Agent(agent.Name).SetStatus(stranger, AgentStatus.Offline)))
            .Code.ShouldBe(ErrorKind.Forbidden);
        (await Agent(agent.Name).SetStatus(Caller.Operator, AgentStatus.Offline)).Status.ShouldBe(AgentStatus.Offline);
        (await Agent(agent.Name).Get())!.Status.ShouldBe(AgentStatus.Offline);
    }

    [Fact]
    public async Task Directory_lists_and_filters_from_the_query_table_and_resolves_by_id_or_name()
    {
        var (coder, _, _) = await fixture.RegisterAgent("dir-coder", "code", "review");
        var (writer, _, writerCaller) = await fixture.RegisterAgent("dir-writer", "write");
        await Agent(writer.Name).SetStatus(writerCaller, AgentStatus.Busy);
        var directory = fixture.Grains.GetGrain<IAgentDirectoryGrain>(0);

        var reviewers = await directory.List(new AgentQuery(Capability: "review"));
        reviewers.Select(a => a.Name).ShouldContain(coder.Name);
        reviewers.Select(a => a.Name).ShouldNotContain(writer.Name);

        var busy = await directory.List(new AgentQuery(Status: AgentStatus.Busy));
        busy.Select(a => a.Name).ShouldContain(writer.Name);
        busy.ShouldAllBe(a => a.Status == AgentStatus.Busy);

        (await directory.Resolve(coder.Id.ToString())).Name.ShouldBe(coder.Name);
        (await directory.Resolve(coder.Name.ToUpperInvariant())).Id.ShouldBe(coder.Id);
        (await Should.ThrowAsync<AgentChannelException>(() => directory.Resolve(Guid.NewGuid().ToString()))).Code.ShouldBe(ErrorKind.NotFound);
    }
}
