using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Orleans.AgentChannel.Tls;

/// <summary>
/// Applies <see cref="ClusterTlsOptions"/> to a silo (silo-to-silo and gateway connections) or to a cluster client.
/// Certificates are loaded and checked while the host is built, so a missing file or a wrong password stops the
/// start with a message naming the setting.
/// </summary>
public static partial class ClusterTls
{
    private const string LoggerName = "Orleans.AgentChannel.Tls";

    /// <summary>
    /// TLS on every connection a silo accepts or opens. Silos always require a trusted certificate of each other; the
    /// gateway requires one of clients when <see cref="ClusterTlsOptions.RequireClientCertificate"/> is set. With TLS off,
    /// a TLS connection arriving anyway is refused with a log line saying that TLS is on at one side only.
    /// </summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTlsOptions options)
    {
        var settings = Load(options, TlsRole.Silo);
        return silo.Configure<SiloConnectionOptions>(connections =>
        {
            if (settings is null)
            {
                connections.ConfigureSiloInboundConnection(builder => RefuseMismatchedProtocol(builder, tlsExpected: false, "silo"));
                connections.ConfigureGatewayInboundConnection(builder => RefuseMismatchedProtocol(builder, tlsExpected: false, "gateway"));
                return;
            }
            var betweenSilos = settings.Middleware(RemoteCertificateMode.RequireCertificate);
            var gateway = settings.Middleware(options.RequireClientCertificate ? RemoteCertificateMode.RequireCertificate : RemoteCertificateMode.AllowCertificate);
            connections.ConfigureSiloInboundConnection(builder =>
            {
                RefuseMismatchedProtocol(builder, tlsExpected: true, "silo");
                builder.UseServerTls(betweenSilos);
            });
            connections.ConfigureGatewayInboundConnection(builder =>
            {
                RefuseMismatchedProtocol(builder, tlsExpected: true, "gateway");
                builder.UseServerTls(gateway);
            });
            connections.ConfigureSiloOutboundConnection(builder => builder.UseClientTls(betweenSilos));
        });
    }

    /// <summary>TLS on the client's connections to gateways, presenting this process's certificate if it has one.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterTlsOptions options)
    {
        if (Load(options, TlsRole.Client) is not { } settings)
        {
            return client;
        }
        var middleware = settings.Middleware(RemoteCertificateMode.RequireCertificate);
        return client.Configure<ClientConnectionOptions>(connections => connections.ConfigureConnection(builder => builder.UseClientTls(middleware)));
    }

    private enum TlsRole
    {
        Silo,
        Client,
    }

    /// <summary>The certificate and the trust list, checked; null when TLS is off.</summary>
    private static LoadedTls? Load(ClusterTlsOptions options, TlsRole role)
    {
        var section = ClusterTlsOptions.Section;
        var failures = new List<string>();
        if (!options.Enabled)
        {
            var stray = new[]
            {
                (Name: nameof(options.CertificatePath), Set: !string.IsNullOrWhiteSpace(options.CertificatePath)),
                (Name: nameof(options.CertificateThumbprint), Set: !string.IsNullOrWhiteSpace(options.CertificateThumbprint)),
                (Name: nameof(options.TrustedCaCertificatePath), Set: !string.IsNullOrWhiteSpace(options.TrustedCaCertificatePath)),
                (Name: nameof(options.TrustedThumbprints), Set: options.TrustedThumbprints.Count > 0),
            }.Where(setting => setting.Set).Select(setting => $"{section}:{setting.Name}").ToList();
            // Certificates configured with TLS left off is a deployment that believes it is encrypted and is not.
            return stray.Count == 0 ? null : throw Refused([
                $"{string.Join(", ", stray)} {(stray.Count == 1 ? "is" : "are")} set but {section}:Enabled is false, so connections are not encrypted: " +
                $"set {section}:Enabled=true (on every silo, front end and C# agent of the cluster), or remove the certificate settings."]);
        }

        if (options.HandshakeTimeoutSeconds is <= 0 or > 300)
        {
            failures.Add($"{section}:HandshakeTimeoutSeconds is {options.HandshakeTimeoutSeconds}: it must be more than 0 and at most 300.");
        }
        var certificate = LoadOwnCertificate(options, role, failures);
        var trusted = LoadTrust(options, failures);
        if (failures.Count > 0)
        {
            certificate?.Dispose();
            throw Refused(failures);
        }
        return new LoadedTls(certificate, trusted.Authorities, trusted.Thumbprints, TimeSpan.FromSeconds(options.HandshakeTimeoutSeconds));
    }

    private static X509Certificate2? LoadOwnCertificate(ClusterTlsOptions options, TlsRole role, List<string> failures)
    {
        var section = ClusterTlsOptions.Section;
        var hasPath = !string.IsNullOrWhiteSpace(options.CertificatePath);
        var hasThumbprint = !string.IsNullOrWhiteSpace(options.CertificateThumbprint);
        if (hasPath && hasThumbprint)
        {
            failures.Add($"{section}:CertificatePath and {section}:CertificateThumbprint are both set: give one of them.");
            return null;
        }
        if (!hasPath && !hasThumbprint)
        {
            if (role == TlsRole.Silo)
            {
                failures.Add($"{section}:Enabled is true but this silo has no certificate: set {section}:CertificatePath (a .pfx file with its private key) " +
                             $"or {section}:CertificateThumbprint (a certificate in the {options.CertificateStoreLocation}/{options.CertificateStoreName} store).");
            }
            // A client without a certificate can still encrypt; the gateway refuses it if it requires client certificates.
            return null;
        }

        X509Certificate2 certificate;
        string origin;
        if (hasPath)
        {
            var path = Path.GetFullPath(options.CertificatePath!);
            origin = $"{section}:CertificatePath ({path})";
            if (!File.Exists(path))
            {
                failures.Add($"{origin}: no such file.");
                return null;
            }
            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (CryptographicException error)
            {
                failures.Add($"{origin} cannot be opened: the {section}:CertificatePassword is wrong or the file is not a .pfx (PKCS#12) file ({error.Message}).");
                return null;
            }
        }
        else
        {
            origin = $"{section}:CertificateThumbprint ({options.CertificateThumbprint})";
            X509Certificate2Collection found;
            try
            {
                using var store = new X509Store(options.CertificateStoreName, options.CertificateStoreLocation);
                store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                found = store.Certificates.Find(X509FindType.FindByThumbprint, NormalizeThumbprint(options.CertificateThumbprint!), validOnly: false);
            }
            catch (CryptographicException error)
            {
                failures.Add($"{origin}: the {options.CertificateStoreLocation}/{options.CertificateStoreName} store cannot be opened ({error.Message}).");
                return null;
            }
            if (found.Count == 0)
            {
                failures.Add($"{origin}: no such certificate in the {options.CertificateStoreLocation}/{options.CertificateStoreName} store.");
                return null;
            }
            certificate = found[0];
        }

        string? problem = null;
        if (!certificate.HasPrivateKey)
        {
            problem = "has no private key (export it with its key, e.g. openssl pkcs12 -export -inkey ...)";
        }
        else if (DateTime.Now > certificate.NotAfter || DateTime.Now < certificate.NotBefore)
        {
            problem = $"is valid only from {certificate.NotBefore:u} to {certificate.NotAfter:u}";
        }
        else if (!AllowsUsage(certificate, ClientAuthentication) || (role == TlsRole.Silo && !AllowsUsage(certificate, ServerAuthentication)))
        {
            // A silo is the server of its gateway and of other silos' connections, and their client in turn.
            problem = role == TlsRole.Silo
                ? "is not allowed for both server and client authentication (extended key usage 1.3.6.1.5.5.7.3.1 and .2): a silo accepts and opens connections"
                : "is not allowed for client authentication (extended key usage 1.3.6.1.5.5.7.3.2)";
        }
        if (problem is not null)
        {
            failures.Add($"{origin}: the certificate {certificate.Subject} {problem}.");
            certificate.Dispose();
            return null;
        }
        return certificate;
    }

    private static (X509Certificate2Collection Authorities, HashSet<string> Thumbprints) LoadTrust(ClusterTlsOptions options, List<string> failures)
    {
        var section = ClusterTlsOptions.Section;
        var authorities = new X509Certificate2Collection();
        var thumbprints = options.TrustedThumbprints.Where(thumbprint => !string.IsNullOrWhiteSpace(thumbprint))
            .Select(NormalizeThumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(options.TrustedCaCertificatePath))
        {
            if (thumbprints.Count == 0)
            {
                failures.Add($"{section}:Enabled is true but nothing is trusted: set {section}:TrustedCaCertificatePath (the CA that issued the cluster's " +
                             $"certificates) or {section}:TrustedThumbprints. Accepting any certificate would let anyone on the path read and change the traffic.");
            }
            return (authorities, thumbprints);
        }
        var path = Path.GetFullPath(options.TrustedCaCertificatePath);
        if (!File.Exists(path))
        {
            failures.Add($"{section}:TrustedCaCertificatePath ({path}): no such file.");
            return (authorities, thumbprints);
        }
        try
        {
            if (File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                authorities.ImportFromPemFile(path);
            }
            else
            {
                authorities.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            }
        }
        catch (CryptographicException error)
        {
            failures.Add($"{section}:TrustedCaCertificatePath ({path}) is not a PEM or DER certificate ({error.Message}).");
        }
        return (authorities, thumbprints);
    }

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>A certificate without the extended key usage extension may be used for anything.</summary>
    private static bool AllowsUsage(X509Certificate2 certificate, string usage) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault() is not { } extension
        || extension.EnhancedKeyUsages.Cast<Oid>().Any(oid => oid.Value == usage);

    private static string NormalizeThumbprint(string thumbprint) =>
        new([.. thumbprint.Where(char.IsAsciiHexDigit).Select(char.ToUpperInvariant)]);

    private static OptionsValidationException Refused(IEnumerable<string> failures) =>
        new(ClusterTlsOptions.Section, typeof(ClusterTlsOptions), failures);

    /// <summary>
    /// Refuses, with a log line that says why, a connection that speaks plaintext where TLS is expected or the other way
    /// round: without it, TLS on one side only shows as connections that close for no stated reason.
    /// </summary>
    private static void RefuseMismatchedProtocol(IConnectionBuilder connections, bool tlsExpected, string port)
    {
        var logger = (connections.ApplicationServices.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(LoggerName);
        connections.Use(next => async context =>
        {
            var input = context.Transport.Input;
            ReadResult first;
            try
            {
                first = await input.ReadAtLeastAsync(3, context.ConnectionClosed);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // A TLS record starts with 0x16 (handshake) and version 3.x; Orleans' preamble starts with its little-endian
            // length (at most 1024), so its third byte is always 0.
            var header = first.Buffer.Slice(0, Math.Min(3, first.Buffer.Length)).ToArray();
            var isTls = header is [0x16, 0x03, > 0];
            // Nothing consumed: the next reader (TLS or Orleans) sees the same bytes.
            input.AdvanceTo(first.Buffer.Start);
            if (header.Length < 3 || isTls == tlsExpected)
            {
                await next(context);
                return;
            }
            LogMismatchedProtocol(logger, isTls ? "TLS" : "plaintext", port, context.RemoteEndPoint?.ToString() ?? "?",
                tlsExpected ? "on" : "off");
            context.Abort(new ConnectionAbortedException($"TLS is {(tlsExpected ? "required" : "off")} on this {port} port."));
        });
    }

    [LoggerMessage(LogLevel.Error, "Refused a {Protocol} connection on the {Port} port from {Remote}: TLS is {TlsHere} here (" +
                                   ClusterTlsOptions.Section + ":Enabled). TLS must be on at both ends or at neither: every silo, front end and C# agent of the cluster.")]
    private static partial void LogMismatchedProtocol(ILogger logger, string protocol, string port, string remote, string tlsHere);

    /// <summary>What was loaded, and the check of the other side's certificate.</summary>
    private sealed class LoadedTls(X509Certificate2? certificate, X509Certificate2Collection authorities, HashSet<string> thumbprints, TimeSpan handshakeTimeout)
    {
        public TlsOptions Middleware(RemoteCertificateMode remoteCertificateMode) => new()
        {
            LocalCertificate = certificate,
            // Present our certificate whenever we have one: a silo always, a client when it was given one.
            ClientCertificateMode = certificate is null ? RemoteCertificateMode.NoCertificate : RemoteCertificateMode.RequireCertificate,
            RemoteCertificateMode = remoteCertificateMode,
            RemoteCertificateValidation = IsTrusted,
            HandshakeTimeout = handshakeTimeout,
        };

        /// <summary>
        /// Trusted when pinned by thumbprint, or when it chains to a configured authority. The host name is not checked:
        /// silos are reached at the addresses in the membership table, and the cluster's identity is its CA.
        /// </summary>
        private bool IsTrusted(X509Certificate2 remote, X509Chain? presentedChain, SslPolicyErrors errors)
        {
            var now = DateTime.Now;
            if (now < remote.NotBefore || now > remote.NotAfter)
            {
                return false;
            }
            if (thumbprints.Contains(remote.Thumbprint))
            {
                return true;
            }
            if (authorities.Count == 0)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            // A cluster's own CA publishes no revocation list; revoke by replacing the CA or by pinning thumbprints.
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presentedChain is not null)
            {
                // Intermediates the other side sent.
                foreach (var element in presentedChain.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
            return chain.Build(remote);
        }
    }
}
