using System.Globalization;
using System.Xml.Linq;

namespace VisualMemory.Evaluation.Reporting;

/// <summary>
/// Draws <see cref="ChartSeries"/> as a line chart in a self-contained SVG document: title, axis
/// labels, tick labels, grid, legend, one polyline per series with its own colour and dash.
/// Pure: <see cref="Render"/> returns the text and writes nothing.
/// </summary>
public sealed class SvgLineChart
{
    private const double MarginLeft = 70;
    private const double MarginRight = 190;
    private const double MarginTop = 40;
    private const double MarginBottom = 55;
    private const double MinimumPlotSize = 50;
    private const double MarkerRadius = 2.5;

    // Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), yellow left
    // out because it vanishes on white. Seven colours and five dashes are coprime, so series i
    // gets a (colour, dash) pair no other of the first 35 series has.
    private static readonly string[] Colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
    private static readonly string[] Dashes = ["none", "6 3", "2 3", "8 3 2 3", "12 4"];

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>Heading above the plot.</summary>
    public string Title { get; init; } = "";

    /// <summary>Label under the x axis.</summary>
    public string XLabel { get; init; } = "";

    /// <summary>Label beside the y axis.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Whether x is drawn on a log10 scale (e.g. k = 1 … 100); every x must then be positive.</summary>
    public bool LogX { get; init; }

    /// <summary>The y range drawn; null fits the data with 5% padding. Points outside are clipped.</summary>
    public (double Min, double Max)? YRange { get; init; }

    /// <summary>Width of the whole image in pixels, legend included.</summary>
    public int Width { get; init; } = 760;

    /// <summary>Height of the whole image in pixels.</summary>
    public int Height { get; init; } = 440;

    /// <summary>Renders <paramref name="series"/> as an SVG document.</summary>
    /// <exception cref="ArgumentException">A series or point is missing or not finite, or an x is not positive on a log axis.</exception>
    /// <exception cref="InvalidOperationException">The size leaves no room for the plot, or <see cref="YRange"/> is empty.</exception>
    public string Render(IReadOnlyList<ChartSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        CheckLayout();
        CheckPoints(series);
        var plot = new PlotArea(MarginLeft, MarginTop, Width - MarginRight, Height - MarginBottom);
        var (xMin, xMax) = XRange(series);
        var (yMin, yMax) = YRange ?? AutoYRange(series);
        var scale = new Scale(plot, LogX ? Math.Log10(xMin) : xMin, LogX ? Math.Log10(xMax) : xMax, yMin, yMax, LogX);

        var root = new XElement(Svg + "svg",
            new XAttribute("width", Width),
            new XAttribute("height", Height),
            new XAttribute("viewBox", $"0 0 {Width} {Height}"),
            new XAttribute("font-family", "sans-serif"),
            new XAttribute("font-size", 12),
            new XElement(Svg + "title", Title),
            new XElement(Svg + "defs",
                // Inflated by a marker's radius so the markers of points on the frame are not cut in half.
                new XElement(Svg + "clipPath", new XAttribute("id", "plot-area"),
                    Rect(plot with { Left = plot.Left - MarkerRadius, Top = plot.Top - MarkerRadius, Right = plot.Right + MarkerRadius, Bottom = plot.Bottom + MarkerRadius }))),
            new XElement(Svg + "rect", new XAttribute("width", Width), new XAttribute("height", Height), new XAttribute("fill", "white")),
            Text(Width / 2.0, MarginTop / 2 + 6, Title, "middle", new XAttribute("font-size", 16)),
            XAxis(scale, plot, LogX ? LogTicks(xMin, xMax) : LinearTicks(xMin, xMax)),
            YAxis(scale, plot, LinearTicks(yMin, yMax)),
            Rect(plot, new XAttribute("fill", "none"), new XAttribute("stroke", "#333333")),
            Text((plot.Left + plot.Right) / 2, Height - 12, XLabel, "middle"),
            Text(18, (plot.Top + plot.Bottom) / 2, YLabel, "middle",
                new XAttribute("transform", $"rotate(-90 18 {Number((plot.Top + plot.Bottom) / 2)})")),
            Lines(series, scale),
            Legend(series, plot));
        return root.ToString();
    }

    private void CheckLayout()
    {
        if (Width - MarginLeft - MarginRight < MinimumPlotSize || Height - MarginTop - MarginBottom < MinimumPlotSize)
        {
            throw new InvalidOperationException(
                $"a {Width}×{Height} image leaves no room for the plot; it needs at least {MarginLeft + MarginRight + MinimumPlotSize}×{MarginTop + MarginBottom + MinimumPlotSize}");
        }
        if (YRange is { } range && !(double.IsFinite(range.Min) && double.IsFinite(range.Max) && range.Min < range.Max))
        {
            throw new InvalidOperationException("the y range must be finite with Min < Max");
        }
    }

    private void CheckPoints(IReadOnlyList<ChartSeries> series)
    {
        for (var s = 0; s < series.Count; s++)
        {
            if (series[s]?.Points is not { } points)
            {
                throw new ArgumentException($"series {s} or its points are null", nameof(series));
            }
            foreach (var (x, y) in points)
            {
                if (!double.IsFinite(x) || !double.IsFinite(y))
                {
                    throw new ArgumentException($"series '{series[s].Name}' has a point that is not finite", nameof(series));
                }
                if (LogX && x <= 0)
                {
                    throw new ArgumentException($"series '{series[s].Name}' has x = {Number(x)}, which a log axis cannot show", nameof(series));
                }
            }
        }
    }

    private (double Min, double Max) XRange(IReadOnlyList<ChartSeries> series)
    {
        var xs = series.SelectMany(s => s.Points).Select(p => p.X).ToArray();
        if (xs.Length == 0)
        {
            return LogX ? (1, 10) : (0, 1);
        }
        var (min, max) = (xs.Min(), xs.Max());
        if (min < max)
        {
            return (min, max);
        }
        // One x value: widen around it so it lands mid-axis instead of dividing by zero.
        return LogX ? (min / Math.Sqrt(10), min * Math.Sqrt(10)) : (min - 0.5, max + 0.5);
    }

    private static (double Min, double Max) AutoYRange(IReadOnlyList<ChartSeries> series)
    {
        var ys = series.SelectMany(s => s.Points).Select(p => p.Y).ToArray();
        if (ys.Length == 0)
        {
            return (0, 1);
        }
        var (min, max) = (ys.Min(), ys.Max());
        var pad = min < max ? 0.05 * (max - min) : min != 0 ? 0.05 * Math.Abs(min) : 0.5;
        return (min - pad, max + pad);
    }

    // Steps of 1, 2 or 5 times a power of ten, about five per axis: round numbers a reader can interpolate.
    private static List<(double Value, string Label)> LinearTicks(double min, double max)
    {
        var raw = (max - min) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var normalised = raw / magnitude;
        var step = (normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10) * magnitude;
        var decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step)));
        var format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
        var ticks = new List<(double Value, string Label)>();
        // Ticks are computed as index × step, not by repeated addition, so rounding does not drift.
        for (var i = (long)Math.Ceiling(min / step); i * step <= max + step * 1e-9; i++)
        {
            var value = i * step;
            ticks.Add((value, value.ToString(format, CultureInfo.InvariantCulture)));
        }
        return ticks;
    }

    // Powers of ten; over two decades or fewer also 2× and 5×, or the axis would carry two or three labels.
    private static List<(double Value, string Label)> LogTicks(double min, double max)
    {
        var fewDecades = Math.Log10(max) - Math.Log10(min) <= 2 + 1e-9;
        double[] multiples = fewDecades ? [1, 2, 5] : [1];
        var ticks = new List<(double Value, string Label)>();
        for (var exponent = (int)Math.Floor(Math.Log10(min)); exponent <= (int)Math.Ceiling(Math.Log10(max)); exponent++)
        {
            foreach (var multiple in multiples)
            {
                // Parsing the decimal text gives exactly the double a reader means by "20" or "0.05".
                var label = (multiple * Math.Pow(10, exponent)).ToString("G6", CultureInfo.InvariantCulture);
                var value = double.Parse(label, CultureInfo.InvariantCulture);
                if (value >= min * (1 - 1e-9) && value <= max * (1 + 1e-9))
                {
                    ticks.Add((value, label));
                }
            }
        }
        return ticks;
    }

    private static XElement XAxis(Scale scale, PlotArea plot, IReadOnlyList<(double Value, string Label)> ticks) =>
        new(Svg + "g", new XAttribute("class", "x-axis"),
            ticks.Select(tick =>
            {
                var x = scale.X(tick.Value);
                return new XElement(Svg + "g",
                    Line(x, plot.Top, x, plot.Bottom, "#e0e0e0"),
                    Text(x, plot.Bottom + 18, tick.Label, "middle"));
            }));

    private static XElement YAxis(Scale scale, PlotArea plot, IReadOnlyList<(double Value, string Label)> ticks) =>
        new(Svg + "g", new XAttribute("class", "y-axis"),
            ticks.Select(tick =>
            {
                var y = scale.Y(tick.Value);
                return new XElement(Svg + "g",
                    Line(plot.Left, y, plot.Right, y, "#e0e0e0"),
                    Text(plot.Left - 8, y + 4, tick.Label, "end"));
            }));

    private static XElement Lines(IReadOnlyList<ChartSeries> series, Scale scale) =>
        new(Svg + "g", new XAttribute("class", "series"), new XAttribute("clip-path", "url(#plot-area)"),
            series.Select((s, i) => new XElement(Svg + "g",
                new XElement(Svg + "polyline",
                    new XAttribute("points", string.Join(" ", s.Points.Select(p => $"{Number(scale.X(p.X))},{Number(scale.Y(p.Y))}"))),
                    new XAttribute("fill", "none"),
                    Stroke(i),
                    new XAttribute("stroke-width", 2),
                    new XAttribute("stroke-dasharray", Dashes[i % Dashes.Length])),
                // Markers keep a one-point series visible and show where the measurements are.
                s.Points.Select(p => new XElement(Svg + "circle",
                    new XAttribute("cx", Number(scale.X(p.X))),
                    new XAttribute("cy", Number(scale.Y(p.Y))),
                    new XAttribute("r", MarkerRadius),
                    new XAttribute("fill", Colours[i % Colours.Length]))))));

    private static XElement Legend(IReadOnlyList<ChartSeries> series, PlotArea plot) =>
        new(Svg + "g", new XAttribute("class", "legend"),
            series.Select((s, i) =>
            {
                var y = plot.Top + 10 + i * 20;
                return new XElement(Svg + "g",
                    new XElement(Svg + "line",
                        new XAttribute("x1", Number(plot.Right + 14)), new XAttribute("y1", Number(y)),
                        new XAttribute("x2", Number(plot.Right + 44)), new XAttribute("y2", Number(y)),
                        Stroke(i),
                        new XAttribute("stroke-width", 2),
                        new XAttribute("stroke-dasharray", Dashes[i % Dashes.Length])),
                    Text(plot.Right + 50, y + 4, s.Name, "start"));
            }));

    private static XAttribute Stroke(int seriesIndex) => new("stroke", Colours[seriesIndex % Colours.Length]);

    private static XElement Rect(PlotArea plot, params object[] extra) =>
        new(Svg + "rect",
            new XAttribute("x", Number(plot.Left)), new XAttribute("y", Number(plot.Top)),
            new XAttribute("width", Number(plot.Right - plot.Left)), new XAttribute("height", Number(plot.Bottom - plot.Top)),
            extra);

    private static XElement Line(double x1, double y1, double x2, double y2, string colour) =>
        new(Svg + "line",
            new XAttribute("x1", Number(x1)), new XAttribute("y1", Number(y1)),
            new XAttribute("x2", Number(x2)), new XAttribute("y2", Number(y2)),
            new XAttribute("stroke", colour));

    // XElement escapes the text, so names such as "k<10 & rank" come out as valid XML.
    private static XElement Text(double x, double y, string text, string anchor, params object[] extra) =>
        new(Svg + "text",
            new XAttribute("x", Number(x)), new XAttribute("y", Number(y)),
            new XAttribute("text-anchor", anchor),
            extra,
            text);

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private readonly record struct PlotArea(double Left, double Top, double Right, double Bottom);

    private readonly record struct Scale(PlotArea Plot, double XMin, double XMax, double YMin, double YMax, bool LogX)
    {
        public double X(double x)
        {
            var t = LogX ? Math.Log10(x) : x;
            return Plot.Left + (t - XMin) / (XMax - XMin) * (Plot.Right - Plot.Left);
        }

        public double Y(double y) => Plot.Bottom - (y - YMin) / (YMax - YMin) * (Plot.Bottom - Plot.Top);
    }
}
