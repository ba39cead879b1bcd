using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// The test cluster's client plays the trusted front end: it presents the operator token the silos are configured
/// with, so grain rules are exercised through the <see cref="Caller"/> arguments, as the front doors do.
/// </summary>
public static class OperatorAccess
{
    public const string Token = "op_grain-tests-operator-token";

    public static InProcessTestClusterBuilder ClientActsAsFrontEnd(this InProcessTestClusterBuilder builder) => builder
        .ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { [OperatorToken.Setting] = Token }))
        .ConfigureClient(client => client.PresentOperatorToken(Token));
}
