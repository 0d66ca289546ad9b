using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VisualMemory.TestSupport;

/// <summary>
/// A throwaway TLS server certificate for 127.0.0.1 and localhost, written as a password-protected PFX for
/// Kestrel (<c>Kestrel:Certificates:Default:Path/Password</c>), and a client handler that trusts exactly it.
/// </summary>
public sealed class SelfSignedCertificate : IDisposable
{
    private readonly X509Certificate2 _certificate;

    /// <summary>Creates the certificate and writes it to <paramref name="pfxPath"/> protected by <paramref name="password"/>.</summary>
    public SelfSignedCertificate(string pfxPath, string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        // Server authentication: what a TLS client checks the certificate may be used for.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(pfxPath, _certificate.Export(X509ContentType.Pfx, password));
        Path = pfxPath;
        Password = password;
    }

    /// <summary>Where the PFX is.</summary>
    public string Path { get; }

    /// <summary>The PFX's password.</summary>
    public string Password { get; }

    /// <summary>The settings that make a node serve https with this certificate.</summary>
    public string[] Switches => [$"--Kestrel:Certificates:Default:Path={Path}", $"--Kestrel:Certificates:Default:Password={Password}"];

    /// <summary>A handler that accepts this certificate (by its SHA-256 hash) and no other untrusted one.</summary>
    public HttpMessageHandler TrustingHandler()
    {
        var expected = _certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            errors == SslPolicyErrors.None || (certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == expected);
        return handler;
    }

    /// <summary>Frees the certificate's key; the file stays for the caller's directory cleanup.</summary>
    public void Dispose() => _certificate.Dispose();
}
