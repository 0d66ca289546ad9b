using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace VisualMemory.Server.Security;

/// <summary>
/// Mutual TLS on the internal port: this node's certificate (served to the nodes that call it and presented to
/// the nodes it calls) and the cluster's CA, the only root a peer is trusted through, in both directions.
/// Loaded once at start from <c>Security:InternalCertificatePath</c>, <c>InternalKeyPath</c> and <c>InternalCaPath</c>;
/// every problem with them stops the node with a message naming the setting (never a file's contents).
/// </summary>
internal sealed class InternalTls : IDisposable
{
    private const string CertificateSetting = "Security:InternalCertificatePath";
    private const string KeySetting = "Security:InternalKeyPath";
    private const string CaSetting = "Security:InternalCaPath";

    // Extended key usages: the certificate serves the internal port and is presented as a client certificate.
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection _intermediates;
    private readonly X509Certificate2Collection _authorities;
    private readonly SslStreamCertificateContext _context;

    private InternalTls(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2Collection authorities)
    {
        _certificate = certificate;
        _intermediates = intermediates;
        _authorities = authorities;
        // Offline: a private CA has no AIA location to fetch from, and a node must not stall on one at start.
        _context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    /// <summary>
    /// The node's internal TLS, or null when <c>Cluster:InternalUrl</c> is not https and none of the three settings is given.
    /// Given settings are used even with an http internal URL: the node then presents its certificate to https peers,
    /// which lets a cluster move to TLS one node at a time.
    /// </summary>
    /// <exception cref="InvalidOperationException">A setting is missing, a file cannot be read or parsed, the key does not match,
    /// or the certificate is not valid for internal TLS under the CA.</exception>
    public static InternalTls? FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = configuration.GetSection("Security").Get<SecuritySettings>() ?? new SecuritySettings();
        var internalUrl = configuration["Cluster:InternalUrl"];
        var https = internalUrl is not null && internalUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        var paths = new[] { (Setting: CertificateSetting, Path: settings.InternalCertificatePath), (Setting: KeySetting, Path: settings.InternalKeyPath), (Setting: CaSetting, Path: settings.InternalCaPath) };
        var missing = paths.Where(p => string.IsNullOrWhiteSpace(p.Path)).Select(p => p.Setting).ToList();
        if (!https && missing.Count == paths.Length)
        {
            return null;
        }
        if (missing.Count > 0)
        {
            throw new InvalidOperationException((https
                ? $"Cluster:InternalUrl ({internalUrl}) is https, which needs this node's certificate, its key and the cluster CA: set "
                : "Internal TLS needs all three of Security:InternalCertificatePath, InternalKeyPath and InternalCaPath: set ")
                + string.Join(", ", missing) + " (docs/operations.md, Security)");
        }
        return Load(settings.InternalCertificatePath!, settings.InternalKeyPath!, settings.InternalCaPath!);
    }

    /// <summary>Makes <paramref name="listen"/> speak TLS with this certificate, HTTP/2 only, and refuse at the handshake a client without a certificate under the CA.</summary>
    public void UseOn(ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            // Fresh options per connection, since the TLS stack may set fields on them; the certificate context is shared.
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _context,
                ClientCertificateRequired = true,
                CertificateChainPolicy = TrustPolicy(),
                ApplicationProtocols = [SslApplicationProtocol.Http2],
            }),
        });
    }

    /// <summary>
    /// TLS options for a node-to-node client: present this node's certificate and trust a server only through the CA.
    /// The host name is still checked: the client sets the target host from each node's URL.
    /// </summary>
    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        ClientCertificateContext = _context,
        CertificateChainPolicy = TrustPolicy(),
    };

    /// <summary>Frees the certificates and the key.</summary>
    public void Dispose()
    {
        _certificate.Dispose();
        foreach (var certificate in _intermediates.Concat(_authorities))
        {
            certificate.Dispose();
        }
    }

    private X509ChainPolicy TrustPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // A private cluster CA publishes no revocation lists; revoking a node means replacing the CA (docs/operations.md).
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(_authorities);
        policy.ExtraStore.AddRange(_intermediates);
        return policy;
    }

    private static InternalTls Load(string certificatePath, string keyPath, string caPath)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw Refusal(CaSetting, caPath, Reason(e, "holds no readable PEM certificate"), e);
        }
        if (authorities.Count == 0)
        {
            throw Refusal(CaSetting, caPath, "holds no PEM certificate", null);
        }
        var certificatePem = Read(CertificateSetting, certificatePath);
        var keyPem = Read(KeySetting, keyPath);
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(certificatePem);
        }
        catch (CryptographicException e)
        {
            throw Refusal(CertificateSetting, certificatePath, "holds no readable PEM certificate", e);
        }
        if (chain.Count == 0)
        {
            throw Refusal(CertificateSetting, certificatePath, "holds no PEM certificate", null);
        }
        X509Certificate2 certificate;
        try
        {
            // The first certificate in the file is the node's own, the one the key belongs to.
            certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // A key of another certificate is an ArgumentException; an unreadable or encrypted one a CryptographicException.
            throw Refusal(KeySetting, keyPath, $"is not an unencrypted PEM private key that matches the certificate in {CertificateSetting}", e);
        }
        var intermediates = new X509Certificate2Collection(chain.Skip(1).ToArray());
        chain[0].Dispose();
        var tls = new InternalTls(certificate, intermediates, authorities);
        try
        {
            tls.CheckCertificate(certificatePath, caPath);
        }
        catch
        {
            tls.Dispose();
            throw;
        }
        return tls;
    }

    // What peers will check anyway, checked here so a wrong file stops this node at start instead of failing every call.
    private void CheckCertificate(string certificatePath, string caPath)
    {
        var usages = _certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>()).Select(o => o.Value).ToHashSet();
        if (_certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any()
            && !(usages.Contains(ServerAuthentication.Value) && usages.Contains(ClientAuthentication.Value)))
        {
            throw Refusal(CertificateSetting, certificatePath, "must allow both serverAuth and clientAuth (extendedKeyUsage), since it serves the internal port and is presented to other nodes", null);
        }
        using var chain = new X509Chain { ChainPolicy = TrustPolicy() };
        if (!chain.Build(_certificate))
        {
            var why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            throw Refusal(CertificateSetting, certificatePath, $"is not valid under the CA in {CaSetting} ({caPath}): {why}", null);
        }
    }

    private static string Read(string setting, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refusal(setting, path, Reason(e, "cannot be read"), e);
        }
    }

    // File-system errors say what is wrong with the path (missing, no permission); parse errors could quote nothing useful.
    private static string Reason(Exception e, string parseFailure) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "does not exist",
        UnauthorizedAccessException => "cannot be read (permission denied)",
        IOException => "cannot be read: " + e.Message,
        _ => parseFailure,
    };

    private static InvalidOperationException Refusal(string setting, string path, string what, Exception? inner) =>
        new($"{setting} ({path}) {what}. The internal port's TLS needs it (docs/operations.md, Security).", inner);
}
