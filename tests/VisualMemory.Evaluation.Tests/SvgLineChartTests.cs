using System.Globalization;
using System.Xml.Linq;
using VisualMemory.Evaluation.Reporting;

namespace VisualMemory.Evaluation.Tests;

public class SvgLineChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // Default layout: plot area x from 70 to 760 − 190 = 570, y from 40 to 440 − 55 = 385.
    private const double PlotLeft = 70, PlotRight = 570, PlotTop = 40, PlotBottom = 385;

    // Coordinates are printed with two decimals.
    private const double Printed = 0.006;

    private static XElement Parse(string svg) => XDocument.Parse(svg).Root!;

    private static IReadOnlyList<XElement> Polylines(XElement root) => [.. root.Descendants(Svg + "polyline")];

    private static (double X, double Y)[] PointsOf(XElement polyline) =>
        [.. polyline.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split(','))
            .Select(xy => (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture)))];

    private static IEnumerable<string> TickLabels(XElement root, string axis) =>
        root.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == axis).Descendants(Svg + "text").Select(t => t.Value);

    [Fact]
    public void Draws_one_polyline_per_series_with_every_point()
    {
        ChartSeries[] series =
        [
            new("plurality", [(1, 0.80), (10, 0.83), (100, 0.81)]),
            new("rank", [(1, 0.80), (3, 0.83), (10, 0.84), (30, 0.84), (100, 0.833)]),
            new("1-NN", [(1, 0.811)]),
        ];
        var root = Parse(new SvgLineChart { Title = "Accuracy", XLabel = "k", YLabel = "top-1", LogX = true }.Render(series));

        Assert.Equal(Svg + "svg", root.Name);
        var lines = Polylines(root);
        Assert.Equal([3, 5, 1], lines.Select(l => PointsOf(l).Length));
        Assert.Equal(3, root.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend").Descendants(Svg + "line").Count());
    }

    [Fact]
    public void Text_is_escaped_and_survives_parsing()
    {
        const string name = "k<10 & \"rank\"";
        var svg = new SvgLineChart { Title = "A < B & C", XLabel = "x & y" }.Render([new(name, [(1, 1), (2, 2)])]);

        Assert.Contains("&lt;", svg, StringComparison.Ordinal);
        Assert.Contains("&amp;", svg, StringComparison.Ordinal);
        var texts = Parse(svg).Descendants(Svg + "text").Select(t => t.Value).ToArray();
        Assert.Contains(name, texts);
        Assert.Contains("A < B & C", texts);
        Assert.Contains("x & y", texts);
    }

    [Fact]
    public void Log_x_puts_ten_halfway_between_one_and_a_hundred()
    {
        var root = Parse(new SvgLineChart { LogX = true }.Render([new("rank", [(1, 0.5), (10, 0.6), (100, 0.7)])]));
        var points = PointsOf(Polylines(root).Single());
        Assert.Equal(PlotLeft, points[0].X, Printed);
        Assert.Equal((PlotLeft + PlotRight) / 2, points[1].X, Printed);
        Assert.Equal(PlotRight, points[2].X, Printed);
        Assert.Equal(["1", "2", "5", "10", "20", "50", "100"], TickLabels(root, "x-axis"));
    }

    [Fact]
    public void Linear_x_spaces_by_value()
    {
        var root = Parse(new SvgLineChart().Render([new("rank", [(1, 0.5), (10, 0.6), (100, 0.7)])]));
        var points = PointsOf(Polylines(root).Single());
        Assert.Equal(PlotLeft + 9.0 / 99 * (PlotRight - PlotLeft), points[1].X, Printed);
    }

    [Fact]
    public void A_given_y_range_maps_its_ends_to_the_plot_edges()
    {
        var root = Parse(new SvgLineChart { YRange = (0, 1) }.Render([new("s", [(0, 0), (1, 0.5), (2, 1)])]));
        var points = PointsOf(Polylines(root).Single());
        Assert.Equal([PlotBottom, (PlotTop + PlotBottom) / 2, PlotTop], points.Select(p => p.Y));
    }

    [Fact]
    public void The_automatic_y_range_is_padded_and_ticks_are_round_invariant_numbers()
    {
        // y from 0.8 to 0.9, padded by 5% of 0.1 each side: ticks every 0.02.
        var root = Parse(new SvgLineChart().Render([new("s", [(1, 0.8), (2, 0.9)])]));
        var points = PointsOf(Polylines(root).Single());
        Assert.All(points, p => Assert.InRange(p.Y, PlotTop + 1, PlotBottom - 1));
        Assert.Equal(PlotBottom - 0.005 / 0.11 * (PlotBottom - PlotTop), points[0].Y, Printed);
        Assert.Equal(["0.80", "0.82", "0.84", "0.86", "0.88", "0.90"], TickLabels(root, "y-axis"));
    }

    [Fact]
    public void Every_series_gets_its_own_colour_and_dash_pair()
    {
        var series = Enumerable.Range(0, 12).Select(i => new ChartSeries($"s{i}", [(1, i), (2, i)])).ToArray();
        var styles = Polylines(Parse(new SvgLineChart().Render(series)))
            .Select(l => ((string?)l.Attribute("stroke"), (string?)l.Attribute("stroke-dasharray")))
            .ToArray();
        Assert.Equal(12, styles.Distinct().Count());
        Assert.Equal(7, styles.Take(7).Select(s => s.Item1).Distinct().Count());
        Assert.Equal(5, styles.Take(5).Select(s => s.Item2).Distinct().Count());
    }

    [Fact]
    public void Degenerate_inputs_still_render()
    {
        Assert.Empty(Polylines(Parse(new SvgLineChart { LogX = true }.Render([]))));
        var empty = Parse(new SvgLineChart().Render([new("nothing yet", [])]));
        Assert.Empty(PointsOf(Polylines(empty).Single()));
        // One point: x and y ranges are widened around it, so it lands mid-plot.
        var single = PointsOf(Polylines(Parse(new SvgLineChart { LogX = true }.Render([new("one", [(10, 0.5)])]))).Single()).Single();
        Assert.Equal((PlotLeft + PlotRight) / 2, single.X, Printed);
        Assert.Equal((PlotTop + PlotBottom) / 2, single.Y, Printed);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new SvgLineChart { LogX = true }.Render([new("s", [(0, 1)])]));
        Assert.Throws<ArgumentException>(() => new SvgLineChart().Render([new("s", [(1, double.NaN)])]));
        Assert.Throws<ArgumentException>(() => new SvgLineChart().Render([null!]));
        Assert.Throws<ArgumentNullException>(() => new SvgLineChart().Render(null!));
        Assert.Throws<InvalidOperationException>(() => new SvgLineChart { YRange = (1, 1) }.Render([]));
        Assert.Throws<InvalidOperationException>(() => new SvgLineChart { Width = 200 }.Render([]));
    }
}
