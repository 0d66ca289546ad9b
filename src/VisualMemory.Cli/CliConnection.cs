namespace VisualMemory.Cli;

/// <summary>Where `vm` sends its requests and how: the server's base URL and whether TLS certificate checks are skipped.</summary>
/// <param name="Server">The server's base URL (http or https).</param>
/// <param name="Insecure">--insecure: accept any certificate (self-signed ones on a development node); never for production.</param>
internal sealed record CliConnection(Uri Server, bool Insecure)
{
    /// <summary>The client `vm` itself uses: long timeout (bulk uploads), and certificate checks unless <see cref="Insecure"/>.</summary>
    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler();
        if (Insecure)
        {
            // Deliberately accepts any certificate: the user asked for it with --insecure.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        return new HttpClient(handler) { BaseAddress = Server, Timeout = TimeSpan.FromMinutes(10) };
    }
}
