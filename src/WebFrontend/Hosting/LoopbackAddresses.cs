using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Orleans.AgentChannel.WebFrontend.Hosting;

/// <summary>Whether this server can be reached from this machine only, and whether a host name is this machine's.</summary>
public sealed class LoopbackAddresses(IServer server)
{
    // Read once asked: the server knows its addresses only after it started.
    private readonly Lazy<bool> _listensOnLoopbackOnly = new(() =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses is { Count: > 0 } addresses
        && addresses.All(address => BindingAddress.Parse(address) is var binding && IsLoopbackHost(binding.Host)));

    /// <summary>True when every address the server is bound to is a loopback one.</summary>
    public bool ListensOnLoopbackOnly => _listensOnLoopbackOnly.Value;

    public static bool IsLoopbackHost(string host)
    {
        var bare = host.TrimStart('[').TrimEnd(']');
        return string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address));
    }
}
