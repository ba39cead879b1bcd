using System.Security.Cryptography.X509Certificates;

namespace Orleans.AgentChannel.Tls;

/// <summary>
/// TLS on the cluster's connections (<c>AgentChannel:Tls</c>): silo to silo, and client (front end in client mode,
/// C# agent) to gateway. Off by default: one process on one machine talks over loopback only.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "AgentChannel:Tls";

    public bool Enabled { get; set; }

    /// <summary>
    /// This process's certificate with its private key, as a PKCS#12 (.pfx) file. Required on silos; on clients it
    /// is required when the silos require client certificates. Give this or <see cref="CertificateThumbprint"/>.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/> (empty or unset for none).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>This process's certificate, found by thumbprint in <see cref="CertificateStoreLocation"/>/<see cref="CertificateStoreName"/>.</summary>
    public string? CertificateThumbprint { get; set; }

    public StoreLocation CertificateStoreLocation { get; set; } = StoreLocation.CurrentUser;

    public StoreName CertificateStoreName { get; set; } = StoreName.My;

    /// <summary>
    /// Silos only: whether a client must present a certificate the cluster trusts to connect to the gateway port
    /// (mutual TLS). With it, a stranger who reaches the port cannot even open a connection. Silos always require
    /// certificates of each other.
    /// </summary>
    public bool RequireClientCertificate { get; set; } = true;

    /// <summary>
    /// The certificate authority (PEM or DER; a PEM file may hold several) whose certificates this process accepts
    /// from the other side. Give this, <see cref="TrustedThumbprints"/>, or both: certificates trusted by neither
    /// are refused (the machine's own trust store is not consulted).
    /// </summary>
    public string? TrustedCaCertificatePath { get; set; }

    /// <summary>Thumbprints (SHA-1, hex) of individual certificates this process accepts from the other side.</summary>
    public List<string> TrustedThumbprints { get; set; } = [];

    /// <summary>How long a TLS handshake may take before the connection is dropped.</summary>
    public double HandshakeTimeoutSeconds { get; set; } = 10;
}
