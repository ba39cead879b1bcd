using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>
/// Ties the circuit's <see cref="ActivityFeed"/> to its connection. A tab that is closed without Blazor's unload
/// beacon (a killed browser, a lost network, a closed laptop) leaves its circuit retained for minutes; without
/// this, that circuit would keep its activity subscription all that time.
/// </summary>
public sealed class ActivityFeedConnectionHandler(ActivityFeed feed) : CircuitHandler
{
    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken) => feed.SuspendAsync();

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken) => feed.ResumeAsync();
}
