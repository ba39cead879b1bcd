using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Plugins;

/// <param name="Id">Unique per event, the same on every retry: receivers can use it to ignore repeats.</param>
/// <param name="Event">The event name (see <c>EventNames</c>).</param>
/// <param name="Data">The payload, the same JSON the REST API returns for that entity.</param>
/// <param name="ReceivedAt">When the sink dispatcher took the event off the activity stream.</param>
public sealed record SinkEvent(Guid Id, string Event, RawJson Data, DateTimeOffset ReceivedAt);
