using System.Net;
using System.Net.Http.Json;
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

    /// <summary>Posts <paramref name="body"/> as JSON to <paramref name="path"/>; asserts 200 and returns the body.</summary>
    public static async Task<string> PostOk(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return text;
    }

    /// <summary>Polls <paramref name="done"/> every 100 ms until it holds, for at most 40 s.</summary>
    public static async Task Until(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was never reached");
            await Task.Delay(100);
        }
    }
}
