using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using VisualMemory.Imaging;

namespace VisualMemory.Web.Tests;

/// <summary>
/// The node's web page in headless Chromium: the Memories and Cluster views show what the API says, the Classify
/// view classifies a chosen image and shows the prediction, the class scores and the k neighbours with their weights
/// (checked against the API's own answer, and by a screenshot), and a refused image shows the node's problem detail.
/// </summary>
public sealed class WebPageTests(WebPageFixture fixture) : IClassFixture<WebPageFixture>
{
    private const int ViewportWidth = 1280;
    private const int ViewportHeight = 1200;
    private const int K = 9;

    private async Task<IPage> OpenAsync(string view)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = ViewportWidth, Height = ViewportHeight },
        });
        var page = await context.NewPageAsync();
        // Thumbnails: the made-up image host answers with the stored item's PNG.
        await page.RouteAsync($"{WebPageFixture.ImageHost}/**", async route =>
        {
            var name = Path.GetFileNameWithoutExtension(new Uri(route.Request.Url).AbsolutePath);
            if (long.TryParse(name, CultureInfo.InvariantCulture, out var id) && fixture.Images.TryGetValue(id, out var png))
            {
                await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "image/png", BodyBytes = png });
            }
            else
            {
                await route.FulfillAsync(new RouteFulfillOptions { Status = 404 });
            }
        });
        var errors = new List<string>();
        page.PageError += (_, message) => errors.Add(message);
        var response = await page.GotoAsync(new Uri(fixture.PageUrl, $"#{view}").ToString());
        Assert.NotNull(response);
        Assert.True(response.Ok, $"{response.Status} {response.Url}");
        // "/" redirects to the page under /ui/.
        Assert.EndsWith($"/ui/#{view}", page.Url, StringComparison.Ordinal);
        Assert.Empty(errors);
        return page;
    }

    [Fact]
    public async Task The_memories_view_lists_the_memory_with_its_count_model_and_shards()
    {
        var page = await OpenAsync("memories");
        var row = page.Locator($"#memories-table tr[data-memory='{WebPageFixture.Memory}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#tab-memories")).ToHaveAttributeAsync("aria-current", "page");
        var count = WebPageFixture.PerLabel * Shapes.Labels.Length;
        await Assertions.Expect(row.Locator("td.count")).ToHaveTextAsync(count.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(row).ToContainTextAsync("demo");
        await Assertions.Expect(row).ToContainTextAsync("128");
        // Selecting the memory shows its shards, whose items add up to the count.
        await row.ClickAsync();
        await Assertions.Expect(page.Locator("#shards-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#memory-detail-title")).ToContainTextAsync($"{count} items in 2 shards");
        await SaveScreenshotAsync(page, "memories-view.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_cluster_view_shows_this_node_alive()
    {
        var nodes = JsonNode.Parse(await fixture.Server.Client.GetStringAsync(new Uri("/v1/cluster/nodes", UriKind.Relative)))!;
        var self = (string)nodes["self"]!;
        var page = await OpenAsync("cluster");
        await Assertions.Expect(page.Locator("#view-cluster")).ToBeVisibleAsync();
        var row = page.Locator($"#nodes-table tr[data-node='{self}']");
        await Assertions.Expect(row).ToContainTextAsync("alive");
        await Assertions.Expect(row).ToContainTextAsync("this node");
        await Assertions.Expect(page.Locator("#cluster-summary")).ToContainTextAsync($"served by {self}");
        // The placement grid has a cell with a state pill for every replica the control plane lists.
        var placement = JsonNode.Parse(await fixture.Server.Client.GetStringAsync(new Uri("/v1/cluster/placement", UriKind.Relative)))!;
        var replicas = placement["replicas"]!.AsArray();
        Assert.True(replicas.Count == 2, placement.ToJsonString());
        await Assertions.Expect(page.Locator("#placement-empty")).ToBeHiddenAsync();
        var grid = page.Locator("#placement table", new PageLocatorOptions { Has = page.GetByText(WebPageFixture.Memory, new PageGetByTextOptions { Exact = true }) });
        await Assertions.Expect(grid.Locator("tbody tr")).ToHaveCountAsync(2);
        var column = await grid.Locator("thead th").AllInnerTextsAsync();
        var selfColumn = column.ToList().IndexOf(self);
        Assert.True(selfColumn > 0, string.Join(", ", column));
        foreach (var replica in replicas)
        {
            var cell = grid.Locator("tbody tr").Nth((int)replica!["shard"]!).Locator("td").Nth(selfColumn - 1);
            await Assertions.Expect(cell).ToHaveTextAsync((string)replica["state"]!);
        }
        await SaveScreenshotAsync(page, "cluster-view.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_classify_view_shows_the_prediction_the_scores_and_k_weighted_neighbours()
    {
        var query = Shapes.Png("leaning", 1000);
        var expected = await ClassifyThroughApiAsync(query);
        Assert.True((string?)expected["label"] == "vertical", expected.ToJsonString());

        var page = await OpenAsync("classify");
        await Assertions.Expect(page.Locator("#classify-memory")).ToHaveValueAsync(WebPageFixture.Memory);
        await page.Locator("#classify-k").FillAsync(K.ToString(CultureInfo.InvariantCulture));
        await page.Locator("#classify-aggregation").SelectOptionAsync("rank");
        await page.Locator("#classify-file").SetInputFilesAsync(new FilePayload { Name = "query.png", MimeType = "image/png", Buffer = query });

        await Assertions.Expect(page.Locator("#predicted-label")).ToHaveTextAsync("vertical");
        var confidence = (double)expected["confidence"]!;
        await Assertions.Expect(page.Locator("#predicted-confidence")).ToHaveTextAsync($"{(confidence * 100).ToString("F1", CultureInfo.InvariantCulture)} %");
        var rows = page.Locator("#neighbours-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(K);
        // Each row is the API's neighbour in order: its label, and a weight bar with the weight the vote carried.
        var neighbours = expected["neighbors"]!.AsArray();
        for (var i = 0; i < K; i++)
        {
            var cells = rows.Nth(i).Locator("td");
            Assert.Equal((string)neighbours[i]!["label"]!, await cells.Nth(2).InnerTextAsync());
            var weight = double.Parse(await cells.Nth(4).Locator(".num").InnerTextAsync(), CultureInfo.InvariantCulture);
            Assert.Equal((double)neighbours[i]!["weight"]!, weight, 3);
            Assert.True(weight > 0);
            await Assertions.Expect(cells.Nth(4).Locator(".bar")).ToBeVisibleAsync();
        }
        await Assertions.Expect(page.Locator("#scores li")).ToHaveCountAsync(expected["scores"]!.AsObject().Count);
        await Assertions.Expect(page.Locator("#preview-image")).ToBeVisibleAsync();
        // Items whose source is an image URL show it; the others show their id, with a tooltip saying why.
        var thumbnails = page.Locator("#neighbours-table img.thumb");
        var withUrl = neighbours.Count(n => ((string?)n!["source"] ?? "").StartsWith(WebPageFixture.ImageHost, StringComparison.Ordinal));
        await Assertions.Expect(thumbnails).ToHaveCountAsync(withUrl);
        if (withUrl > 0)
        {
            await Assertions.Expect(thumbnails.First).ToHaveJSPropertyAsync("complete", true);
            Assert.True(await thumbnails.First.EvaluateAsync<int>("i => i.naturalWidth") == Shapes.Side);
        }
        await Assertions.Expect(page.Locator("#neighbours-table .vector-only")).ToHaveCountAsync(K - withUrl);
        await Assertions.Expect(page.Locator("#error")).ToBeHiddenAsync();

        // Not the k field's focus ring in the picture.
        await page.Locator("#classify-k").BlurAsync();
        var screenshot = await page.ScreenshotAsync();
        CheckScreenshot(screenshot);
        await File.WriteAllBytesAsync(ScreenshotPath("classify-view.png"), screenshot);
        // VM_UPDATE_SCREENSHOT=1 refreshes the one the documentation shows.
        if (Environment.GetEnvironmentVariable("VM_UPDATE_SCREENSHOT") == "1")
        {
            await File.WriteAllBytesAsync(Path.Combine(WebPageFixture.RepositoryRoot(), "docs", "images", "classify-view.png"), screenshot);
        }
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_image_dropped_on_the_page_is_classified()
    {
        var page = await OpenAsync("classify");
        await Assertions.Expect(page.Locator("#classify-memory")).ToHaveValueAsync(WebPageFixture.Memory);
        // A drop event carrying a file, as a drag from the desktop delivers it.
        var dataTransfer = await page.EvaluateHandleAsync("""
            base64 => {
              const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
              return transfer;
            }
            """, Convert.ToBase64String(Shapes.Png("horizontal", 2000)));
        await page.Locator("#drop").DispatchEventAsync("drop", new { dataTransfer });
        await Assertions.Expect(page.Locator("#predicted-label")).ToHaveTextAsync("horizontal");
        await Assertions.Expect(page.Locator("#preview-caption")).ToContainTextAsync("dropped.png");
        await Assertions.Expect(page.Locator("#neighbours-table tbody tr")).ToHaveCountAsync(10);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_refused_image_shows_the_nodes_problem_detail()
    {
        var page = await OpenAsync("classify");
        await Assertions.Expect(page.Locator("#classify-memory")).ToHaveValueAsync(WebPageFixture.Memory);
        var truncated = Shapes.Png("box", 7)[..40];
        await page.Locator("#classify-file").SetInputFilesAsync(new FilePayload { Name = "broken.png", MimeType = "image/png", Buffer = truncated });
        var error = page.Locator("#error");
        await Assertions.Expect(error).ToBeVisibleAsync();
        await Assertions.Expect(error).ToContainTextAsync("400: Corrupt or truncated image");
        await Assertions.Expect(page.Locator("#classify-status")).ToHaveTextAsync("The node could not classify this image.");
        await Assertions.Expect(page.Locator("#prediction")).ToBeHiddenAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_saved_api_key_is_kept_in_local_storage_and_sent_as_a_bearer_token()
    {
        var page = await OpenAsync("memories");
        await Assertions.Expect(page.Locator($"#memories-table tr[data-memory='{WebPageFixture.Memory}']")).ToBeVisibleAsync();
        await page.Locator("#api-key").FillAsync("test-key-123");
        var request = await page.RunAndWaitForRequestAsync(() => page.Locator("#key-form button").ClickAsync(), "**/v1/memories");
        Assert.Equal("Bearer test-key-123", await request.HeaderValueAsync("authorization"));
        // Kept across reloads (localStorage), and cleared by saving an empty field: then no header at all.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#api-key")).ToHaveValueAsync("test-key-123");
        await page.Locator("#api-key").FillAsync("");
        request = await page.RunAndWaitForRequestAsync(() => page.Locator("#key-form button").ClickAsync(), "**/v1/memories");
        Assert.Null(await request.HeaderValueAsync("authorization"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_page_files_are_served_with_their_types_and_a_content_security_policy()
    {
        var client = fixture.Server.Client;
        foreach (var (path, type) in new[] { ("/ui/", "text/html"), ("/ui/index.html", "text/html"), ("/ui/app.js", "text/javascript"), ("/ui/app.css", "text/css") })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("script-src 'self'", string.Join(' ', response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }
        using var missing = await client.GetAsync(new Uri("/ui/nope.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Where a test's screenshots go: under the test output, for a person to look at after a run.</summary>
    private static string ScreenshotPath(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }

    private static async Task SaveScreenshotAsync(IPage page, string name) => await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath(name) });

    private async Task<JsonNode> ClassifyThroughApiAsync(byte[] image)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new("image/png");
        form.Add(content, "image", "query.png");
        form.Add(new StringContent(K.ToString(CultureInfo.InvariantCulture)), "k");
        form.Add(new StringContent("rank"), "aggregation");
        form.Add(new StringContent("true"), "explain");
        using var response = await fixture.Server.Client.PostAsync(new Uri($"/v1/memories/{WebPageFixture.Memory}/classify", UriKind.Relative), form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>The screenshot is the viewport's size and not blank: its grey levels vary (text, bars, the preview).</summary>
    private static void CheckScreenshot(byte[] png)
    {
        var decoded = ImageDecoder.Decode(png, new ImageDecodeOptions { TargetWidth = ViewportWidth, TargetHeight = ViewportHeight, Mode = ResizeMode.Stretch });
        Assert.Equal(ViewportWidth, decoded.OriginalWidth);
        Assert.Equal(ViewportHeight, decoded.OriginalHeight);
        double sum = 0, squares = 0;
        var distinct = new HashSet<int>();
        var pixels = decoded.Width * decoded.Height;
        for (var y = 0; y < decoded.Height; y++)
        {
            for (var x = 0; x < decoded.Width; x++)
            {
                var (r, g, b) = decoded.GetPixel(x, y);
                var grey = (0.299 * r) + (0.587 * g) + (0.114 * b);
                sum += grey;
                squares += grey * grey;
                distinct.Add((r << 16) | (g << 8) | b);
            }
        }
        var mean = sum / pixels;
        var variance = (squares / pixels) - (mean * mean);
        // A blank or single-colour page has variance ~0 and a handful of colours; the classify view has text,
        // coloured bars, thumbnails and a black-backed preview.
        Assert.True(variance > 100, $"screenshot looks blank: grey variance {variance:F1}, mean {mean:F1}");
        Assert.True(distinct.Count > 50, $"screenshot has only {distinct.Count} colours");
    }
}
