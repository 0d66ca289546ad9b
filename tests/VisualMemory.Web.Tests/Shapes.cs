using VisualMemory.Datasets;

namespace VisualMemory.Web.Tests;

/// <summary>
/// Small greyscale PNGs of three shape classes (a vertical bar, a horizontal bar, a hollow box) at seeded
/// positions and widths: distinct enough that the procedural demo model separates them, varied enough that
/// every item embeds differently.
/// </summary>
internal static class Shapes
{
    public const int Side = 28;

    public static readonly string[] Labels = ["vertical", "horizontal", "box"];

    public static byte[] Png(string label, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[Side * Side];
        var thickness = 3 + random.Next(3);
        var offset = 5 + random.Next(Side - 10 - thickness);
        var margin = 4 + random.Next(5);
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                var on = label switch
                {
                    "vertical" or "leaning" => x >= offset && x < offset + thickness && y >= 3 && y < Side - 3,
                    "horizontal" => y >= offset && y < offset + thickness && x >= 3 && x < Side - 3,
                    "box" => x >= margin && x < Side - margin && y >= margin && y < Side - margin
                        && (x < margin + 3 || x >= Side - margin - 3 || y < margin + 3 || y >= Side - margin - 3),
                    _ => throw new ArgumentOutOfRangeException(nameof(label), label, "unknown shape"),
                };
                // "leaning": a vertical bar crossed by a dimmer horizontal one, a query whose neighbours disagree.
                var dim = label == "leaning" && y >= 12 && y < 15 && x >= 3 && x < Side - 3;
                pixels[(y * Side) + x] = on ? (byte)(220 + random.Next(36)) : dim ? (byte)50 : (byte)random.Next(20);
            }
        }
        return PngWriter.Greyscale(pixels, Side, Side);
    }
}
