using System.Globalization;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Stats;

namespace Orleans.AgentChannel.WebFrontend.Api;

public static class StatsEndpoints
{
    public static void MapStats(this RouteGroupBuilder api)
    {
        // ?from=&to= are ISO 8601 times; left out, the report covers the last day. Widened to whole UTC hours.
        api.MapGet("/stats", (string? from, string? to, IGrainFactory grains) =>
            grains.GetGrain<IStatsGrain>(0).Report(Window(from, to, agent: null))).WithTags("stats");

        api.MapGet("/agents/{id}/stats", async (string id, string? from, string? to, IGrainFactory grains) =>
        {
            var agent = await grains.GetGrain<IAgentDirectoryGrain>(0).Resolve(id);
            return await grains.GetGrain<IStatsGrain>(0).Report(Window(from, to, agent.Name));
        }).WithTags("stats");
    }

    /// <summary>The query of a report from its query-string parameters; a time that does not parse is a 400 naming it.</summary>
    public static StatsQuery Window(string? from, string? to, string? agent) =>
        new(Time(from, "from"), Time(to, "to"), agent);

    private static DateTimeOffset? Time(string? value, string field) =>
        string.IsNullOrEmpty(value) ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time
        : throw AgentChannelException.Invalid(field, $"'{field}' must be an ISO 8601 time, such as 2026-01-31T09:00:00Z.");
}
