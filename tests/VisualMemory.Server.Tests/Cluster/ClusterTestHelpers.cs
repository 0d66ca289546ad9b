using System.Net;
using System.Net.Sockets;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>Small helpers the multi-process cluster tests share.</summary>
internal static class ClusterTestHelpers
{
    /// <summary>A port free on 127.0.0.1 right now (another process may still take it before it is used).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The vector scaled to unit length, as a coordinator sends queries to shard hosts.</summary>
    public static float[] Normalised(float[] vector)
    {
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => v / norm)];
    }
}
