using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.AgentChannel.Client;
using Orleans.AgentChannel.Grains.Tests;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Tls;
using Orleans.AgentChannel.WebFrontend.Tests;
using Orleans.Runtime;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// Two <c>Silo</c> processes on PostgreSQL with TLS and mutual TLS on (certificates this test made), and clients in this
/// process: a front end's cluster client and a C# agent with the cluster's certificate get in; a plaintext client, one
/// without a certificate and one whose certificate another CA issued do not. Skipped when AGENTCHANNEL_TEST_POSTGRES is
/// not set.
/// </summary>
public sealed class TlsClusterTests(TlsClusterTests.TlsCluster cluster) : IClassFixture<TlsClusterTests.TlsCluster>
{
    /// <summary>How long a refused client may take to give up: it must fail, not hang.</summary>
    private static readonly TimeSpan RefusalBound = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 120_000)]
    public async Task A_front_end_with_a_certificate_from_the_cluster_CA_calls_grains_and_both_silos_talk_over_TLS()
    {
        await cluster.Started();
        using var frontEnd = await cluster.StartFrontEnd(cluster.ClientCertificate);
        var grains = frontEnd.Services.GetRequiredService<IClusterClient>();

        // The management grain asks each silo for its statistics: silo-to-silo calls, over TLS between the silos.
        var management = grains.GetGrain<IManagementGrain>(0);
        var silos = await management.GetHosts(onlyActive: true, TestContext.Current.CancellationToken);
        silos.Count.ShouldBe(2);
        (await management.GetRuntimeStatistics([.. silos.Keys], TestContext.Current.CancellationToken)).Length.ShouldBe(2);

        var name = $"tls-{Guid.NewGuid():N}"[..16];
        var registered = await grains.GetGrain<Agents.IAgentGrain>(Identity.AgentNames.Key(name))
            .Register(new Agents.AgentRegistration(name, "llm", [], null), presentedToken: null);
        registered.Agent.Name.ShouldBe(name);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_CSharp_agent_with_the_cluster_certificate_connects_and_sends_over_TLS()
    {
        await cluster.Started();
        var name = $"tls-agent-{Guid.NewGuid():N}"[..20];
        await using var agent = await AgentClient.ConnectAsync(new AgentClientOptions
        {
            Name = name,
            Gateways = cluster.Gateways,
            ClusterId = cluster.ClusterId,
            ServiceId = cluster.ServiceId,
            TokenFile = Path.Combine(cluster.Certificates.Directory, $"{name}.token"),
            Tls = cluster.ClientTls(cluster.ClientCertificate),
        }, TestContext.Current.CancellationToken);

        var sent = await agent.SendMessageAsync("over TLS", [name], cancellationToken: TestContext.Current.CancellationToken);
        (await agent.GetMessageAsync(sent.Id, TestContext.Current.CancellationToken)).Content.ShouldBe("over TLS");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_plaintext_client_cannot_join_and_the_silo_says_TLS_is_on_at_one_side_only()
    {
        await cluster.Started();
        await ShouldBeRefused(cluster.StartFrontEnd(certificate: null, tls: false));
        await Poll.Until(() => Task.FromResult(cluster.Silos.Any(silo => silo.HasPrinted("Refused a plaintext connection on the gateway port"))),
            "a silo logs why it refused the plaintext client");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_client_without_a_certificate_is_refused_by_the_gateway_under_mutual_TLS()
    {
        await cluster.Started();
        await ShouldBeRefused(cluster.StartFrontEnd(certificate: null));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_client_whose_certificate_another_CA_issued_is_refused()
    {
        await cluster.Started();
        await ShouldBeRefused(cluster.StartFrontEnd(cluster.Certificates.StrangerPfx));
    }

    private static async Task ShouldBeRefused(Task<IHost> starting)
    {
        var refusal = await Should.ThrowAsync<Exception>(starting.WaitAsync(RefusalBound, TestContext.Current.CancellationToken));
        refusal.ShouldNotBeOfType<TimeoutException>($"the client neither joined nor failed within {RefusalBound.TotalSeconds} s");
        TestContext.Current.TestOutputHelper?.WriteLine($"refused: {refusal.GetType().Name}: {refusal.Message}");
    }

    /// <summary>The two TLS silos, started by the first test that needs them.</summary>
    public sealed class TlsCluster : IAsyncDisposable
    {
        private const string OperatorToken = "tls-cluster-operator-token";

        private readonly SemaphoreSlim _starting = new(1, 1);
        private readonly List<ClusterProcess> _silos = [];
        private PostgresTestDatabase? _database;
        private bool _started;

        public TestCertificates Certificates { get; } = TestCertificates.Create();

        public string ClientCertificate => Certificates.ClientPfx;

        public string ClusterId { get; } = $"tls-test-{Guid.NewGuid():N}";

        public string ServiceId { get; } = "tls-test";

        public IReadOnlyList<ClusterProcess> Silos => _silos;

        public IReadOnlyList<IPEndPoint> Gateways { get; private set; } = [];

        public async Task Started()
        {
            await _starting.WaitAsync(TestContext.Current.CancellationToken);
            try
            {
                if (_started)
                {
                    return;
                }
                _database = await PostgresTestDatabase.Create();
                var gatewayPorts = new[] { ClusterProcess.FreePort(), ClusterProcess.FreePort() };
                var settings = new Dictionary<string, string>
                {
                    ["AgentChannel__Storage__Provider"] = "PostgreSQL",
                    ["AgentChannel__Storage__PostgresConnectionString"] = _database.ConnectionString,
                    ["AgentChannel__Storage__PostgresMaxConnections"] = "8",
                    ["AgentChannel__Silo__ClusterId"] = ClusterId,
                    ["AgentChannel__Silo__ServiceId"] = ServiceId,
                    ["AgentChannel__Silo__AdvertisedAddress"] = "127.0.0.1",
                    ["AgentChannel__OperatorToken"] = OperatorToken,
                    ["AgentChannel__Tls__Enabled"] = "true",
                    ["AgentChannel__Tls__CertificatePath"] = Certificates.SiloPfx,
                    ["AgentChannel__Tls__CertificatePassword"] = TestCertificates.Password,
                    ["AgentChannel__Tls__TrustedCaCertificatePath"] = Certificates.ClusterCaPath,
                    ["AgentChannel__Tls__RequireClientCertificate"] = "true",
                    ["Logging__LogLevel__Default"] = "Warning",
                };
                _silos.Add(ClusterProcess.Silo("TLS silo A", settings, ClusterProcess.FreePort(), gatewayPorts[0]));
                _silos.Add(ClusterProcess.Silo("TLS silo B", settings, ClusterProcess.FreePort(), gatewayPorts[1]));
                try
                {
                    await Task.WhenAll(_silos.Select(silo => silo.StartAsync()));
                }
                catch (Exception) when (Report())
                {
                    throw;
                }
                Gateways = [.. gatewayPorts.Select(port => new IPEndPoint(IPAddress.Loopback, port))];
                _started = true;
            }
            finally
            {
                _starting.Release();
            }
        }

        public ClusterTlsOptions ClientTls(string? certificate) => new()
        {
            Enabled = true,
            CertificatePath = certificate,
            CertificatePassword = certificate is null ? null : TestCertificates.Password,
            TrustedCaCertificatePath = Certificates.ClusterCaPath,
        };

        /// <summary>
        /// A front end's cluster client (<c>UseAgentChannelCluster</c>, as client mode builds it), started. It gives up
        /// after its first failed attempt to connect (Orleans retries for minutes by default): without TLS on the silos,
        /// the first attempt of every client here gets in.
        /// </summary>
        public async Task<IHost> StartFrontEnd(string? certificate, bool tls = true)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            var settings = new Dictionary<string, string?>
            {
                ["AgentChannel:Storage:Provider"] = "PostgreSQL",
                ["AgentChannel:Storage:PostgresConnectionString"] = _database!.ConnectionString,
                ["AgentChannel:Storage:PostgresMaxConnections"] = "3",
                ["AgentChannel:Silo:ClusterId"] = ClusterId,
                ["AgentChannel:Silo:ServiceId"] = ServiceId,
                ["AgentChannel:OperatorToken"] = OperatorToken,
            };
            if (tls)
            {
                var options = ClientTls(certificate);
                settings["AgentChannel:Tls:Enabled"] = "true";
                settings["AgentChannel:Tls:CertificatePath"] = options.CertificatePath;
                settings["AgentChannel:Tls:CertificatePassword"] = options.CertificatePassword;
                settings["AgentChannel:Tls:TrustedCaCertificatePath"] = options.TrustedCaCertificatePath;
            }
            builder.Configuration.AddInMemoryCollection(settings);
            builder.UseOrleansClient(client => client.UseAgentChannelCluster(builder.Configuration)
                .UseConnectionRetryFilter((_, _) => Task.FromResult(false)));
            var host = builder.Build();
            try
            {
                await host.StartAsync(TestContext.Current.CancellationToken);
                return host;
            }
            catch
            {
                host.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var silo in _silos)
            {
                await silo.DisposeAsync();
            }
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
            Certificates.Dispose();
            _starting.Dispose();
        }

        private bool Report()
        {
            foreach (var silo in _silos)
            {
                TestContext.Current.TestOutputHelper?.WriteLine(silo.Output);
            }
            return false;
        }
    }
}
