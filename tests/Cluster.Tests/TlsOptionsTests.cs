using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Tls;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>TLS settings that cannot work stop the start with a message naming the setting to fix.</summary>
public sealed class TlsOptionsTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public void A_silo_without_a_certificate_is_refused()
    {
        Refusal(Silo, new ClusterTlsOptions { Enabled = true, TrustedCaCertificatePath = _certificates.ClusterCaPath })
            .ShouldContain("this silo has no certificate: set AgentChannel:Tls:CertificatePath");
    }

    [Fact]
    public void A_missing_certificate_file_is_named()
    {
        var missing = Path.Combine(_certificates.Directory, "nowhere.pfx");
        Refusal(Silo, Trusting(new ClusterTlsOptions { Enabled = true, CertificatePath = missing }))
            .ShouldContain($"AgentChannel:Tls:CertificatePath ({missing}): no such file.");
    }

    [Fact]
    public void A_wrong_password_is_named()
    {
        Refusal(Client, Trusting(new ClusterTlsOptions { Enabled = true, CertificatePath = _certificates.ClientPfx, CertificatePassword = "not it" }))
            .ShouldContain("the AgentChannel:Tls:CertificatePassword is wrong");
    }

    [Fact]
    public void Trusting_nothing_is_refused_rather_than_accepting_any_certificate()
    {
        Refusal(Client, new ClusterTlsOptions { Enabled = true, CertificatePath = _certificates.ClientPfx, CertificatePassword = TestCertificates.Password })
            .ShouldContain("nothing is trusted: set AgentChannel:Tls:TrustedCaCertificatePath");
    }

    [Fact]
    public void A_client_certificate_cannot_serve_as_a_silo_certificate()
    {
        Refusal(Silo, Trusting(new ClusterTlsOptions { Enabled = true, CertificatePath = _certificates.ClientPfx, CertificatePassword = TestCertificates.Password }))
            .ShouldContain("is not allowed for both server and client authentication");
    }

    [Fact]
    public void Certificates_configured_with_TLS_off_are_refused()
    {
        Refusal(Client, new ClusterTlsOptions { CertificatePath = _certificates.ClientPfx, TrustedCaCertificatePath = _certificates.ClusterCaPath })
            .ShouldContain("AgentChannel:Tls:CertificatePath, AgentChannel:Tls:TrustedCaCertificatePath are set but AgentChannel:Tls:Enabled is false");
    }

    [Fact]
    public void Good_settings_are_accepted_on_both_sides()
    {
        var silo = Trusting(new ClusterTlsOptions { Enabled = true, CertificatePath = _certificates.SiloPfx, CertificatePassword = TestCertificates.Password });
        Should.NotThrow(() => Silo(silo));
        Should.NotThrow(() => Client(Trusting(new ClusterTlsOptions { Enabled = true })));
    }

    [Fact]
    public async Task The_silo_process_says_why_it_cannot_start()
    {
        await using var silo = ClusterProcess.Silo("silo with a wrong password", new Dictionary<string, string>
        {
            ["AgentChannel__OperatorToken"] = "tls-options-operator-token",
            ["AgentChannel__Tls__Enabled"] = "true",
            ["AgentChannel__Tls__CertificatePath"] = _certificates.SiloPfx,
            ["AgentChannel__Tls__CertificatePassword"] = "not it",
            ["AgentChannel__Tls__TrustedCaCertificatePath"] = _certificates.ClusterCaPath,
        }, ClusterProcess.FreePort(), ClusterProcess.FreePort());
        var exited = await Should.ThrowAsync<InvalidOperationException>(silo.StartAsync());
        exited.Message.ShouldContain("Cannot start: ");
        exited.Message.ShouldContain("the AgentChannel:Tls:CertificatePassword is wrong");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_TLS_client_at_a_plaintext_silo_is_refused_and_the_silo_says_TLS_is_off_there()
    {
        var gatewayPort = ClusterProcess.FreePort();
        await using var silo = ClusterProcess.Silo("plaintext silo", new Dictionary<string, string>
        {
            ["AgentChannel__OperatorToken"] = "tls-options-operator-token",
            ["AgentChannel__Silo__ClusterId"] = $"plaintext-{Guid.NewGuid():N}",
            ["Logging__LogLevel__Default"] = "Warning",
        }, ClusterProcess.FreePort(), gatewayPort);
        await silo.StartAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort))
            .UseClusterTls(Trusting(new ClusterTlsOptions { Enabled = true, CertificatePath = _certificates.ClientPfx, CertificatePassword = TestCertificates.Password }))
            // One attempt: Orleans retries for minutes by default.
            .UseConnectionRetryFilter((_, _) => Task.FromResult(false)));
        using var host = builder.Build();
        var refusal = await Should.ThrowAsync<Exception>(host.StartAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        refusal.ShouldNotBeOfType<TimeoutException>("the client neither joined nor failed within 30 s");
        await Poll.Until(() => Task.FromResult(silo.HasPrinted("Refused a TLS connection on the gateway port")), "the silo logs why it refused the TLS client");
    }

    private ClusterTlsOptions Trusting(ClusterTlsOptions options)
    {
        options.TrustedCaCertificatePath = _certificates.ClusterCaPath;
        return options;
    }

    private static void Silo(ClusterTlsOptions options) =>
        Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true }).UseOrleans(silo => silo.UseClusterTls(options));

    private static void Client(ClusterTlsOptions options) =>
        Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true }).UseOrleansClient(client => client.UseClusterTls(options));

    private static string Refusal(Action<ClusterTlsOptions> apply, ClusterTlsOptions options) =>
        Should.Throw<OptionsValidationException>(() => apply(options)).Message;
}
