using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// A cluster CA with certificates it issued (a silo's, a client's), and a stranger CA with a client certificate of its
/// own, made for one test run and written to a temporary directory: the CA as PEM, each certificate as a PFX.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string Password = "test-pfx-password";

    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>The cluster's CA certificate (public part only), PEM.</summary>
    public string ClusterCaPath => Path.Combine(Directory, "cluster-ca.pem");

    /// <summary>A silo's certificate (server and client authentication) from the cluster CA.</summary>
    public string SiloPfx => Path.Combine(Directory, "silo.pfx");

    /// <summary>A client's certificate (client authentication) from the cluster CA.</summary>
    public string ClientPfx => Path.Combine(Directory, "client.pfx");

    /// <summary>A client certificate from a CA the cluster has never heard of.</summary>
    public string StrangerPfx => Path.Combine(Directory, "stranger.pfx");

    public static TestCertificates Create()
    {
        var certificates = new TestCertificates(Path.Combine(Path.GetTempPath(), "agentchannel-tls-tests", Guid.NewGuid().ToString("N")));
        System.IO.Directory.CreateDirectory(certificates.Directory);
        using var clusterCa = Authority("AgentChannel test cluster CA");
        File.WriteAllText(certificates.ClusterCaPath, clusterCa.ExportCertificatePem());
        Write(certificates.SiloPfx, Issue(clusterCa, "silo", ServerAuthentication, ClientAuthentication));
        Write(certificates.ClientPfx, Issue(clusterCa, "front-end", ClientAuthentication));
        using var strangerCa = Authority("Somebody else's CA");
        Write(certificates.StrangerPfx, Issue(strangerCa, "stranger", ClientAuthentication));
        return certificates;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string name, params Oid[] usages)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    private static void Write(string path, X509Certificate2 certificate)
    {
        using (certificate)
        {
            File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        }
    }
}
