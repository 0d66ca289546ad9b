using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using VisualMemory.TestSupport;

namespace VisualMemory.Web.Tests;

/// <summary>
/// One real node (its own process, the shipped demo model) holding a memory "shapes" of 36 labelled images, and
/// one headless Chromium: Debian's /usr/bin/chromium (apt), never a browser Playwright downloads, since the
/// machine that runs the tests is offline.
/// </summary>
public sealed class WebPageFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string Memory = "shapes";
    public const int PerLabel = 12;

    /// <summary>Sources under this made-up host are answered by the test's route with the item's PNG: "image URLs" without a web server.</summary>
    public const string ImageHost = "http://images.test";

    private readonly string _directory = Directory.CreateTempSubdirectory("vm-web-").FullName;
    private IPlaywright? _playwright;

    public ServerProcess Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Each stored item's PNG by id, to answer thumbnail requests.</summary>
    public Dictionary<long, byte[]> Images { get; } = [];

    public Uri PageUrl => new($"http://127.0.0.1:{Server.Port.ToString(CultureInfo.InvariantCulture)}/");

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VisualMemoryCluster.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public async Task InitializeAsync()
    {
        var root = RepositoryRoot();
        Server = await ServerProcess.StartAsync(Path.Combine(_directory, "data"),
        [
            $"--Embedding:Models:demo:Path={Path.Combine(root, "models", "demo", "demo-model.onnx")}",
            $"--Embedding:Models:demo:Spec={Path.Combine(root, "models", "demo", "demo-model.spec.json")}",
            "--Logging:LogLevel:Default=Warning",
        ], TimeSpan.FromSeconds(90));
        var created = await Server.Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = Memory, model = "demo", shards = 2 });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = 0L;
        foreach (var label in Shapes.Labels)
        {
            using var form = new MultipartFormDataContent();
            for (var i = 0; i < PerLabel; i++, id++)
            {
                var png = Shapes.Png(label, (int)id);
                Images[id] = png;
                var image = new ByteArrayContent(png);
                image.Headers.ContentType = new("image/png");
                form.Add(image, "image", $"{id.ToString(CultureInfo.InvariantCulture)}.png");
                form.Add(new StringContent(id.ToString(CultureInfo.InvariantCulture)), "id");
                form.Add(new StringContent(label), "label");
                // Half the items name an image URL (shown as thumbnails), half only a tag (shown as their id).
                form.Add(new StringContent(id % 2 == 0 ? $"{ImageHost}/{id.ToString(CultureInfo.InvariantCulture)}.png" : $"generated:{label}"), "source");
            }
            var added = await Server.Client.PostAsync(new Uri($"/v1/memories/{Memory}/items", UriKind.Relative), form);
            Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Tests may run as root, where Chromium's sandbox refuses to start; /dev/shm is small in containers.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        Server?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
