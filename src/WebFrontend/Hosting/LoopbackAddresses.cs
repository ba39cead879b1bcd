using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Orleans.AgentChannel.WebFrontend.Hosting;

/// <summary>Whether the server can be reached from this machine only, and whether a host name is this machine's.</summary>
public static class LoopbackAddresses
{
    /// <summary>True when every address the server is bound to is a loopback one (false before it has bound any).</summary>
    public static bool ListensOnLoopbackOnly(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null || addresses.Count == 0)
        {
            return false;
        }
        return addresses.All(address => BindingAddress.Parse(address) is var binding && IsLoopbackHost(binding.Host));
    }

    public static bool IsLoopbackHost(string host)
    {
        var bare = host.TrimStart('[').TrimEnd(']');
        return string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address));
    }
}
