using System.Globalization;
using System.Text.RegularExpressions;

namespace VisualMemory.Server.Tests.Metrics;

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4 as this project writes it: every line is a HELP, a TYPE or
/// a sample; each family has exactly one HELP and one TYPE, before its samples, and its samples are contiguous;
/// sample names belong to their family (histograms: _bucket, _sum, _count; counters end in _total); label names and
/// escapes are valid; no series repeats; buckets are cumulative, end in le="+Inf" and equal _count; names start with vm_.
/// </summary>
internal static partial class StrictExpositionParser
{
    [GeneratedRegex("""^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$""")]
    private static partial Regex Help();

    [GeneratedRegex("""^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$""")]
    private static partial Regex Type();

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? (\S+)$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)""")]
    private static partial Regex Label();

    /// <summary>Every violation found, with its line number; empty when the text is valid.</summary>
    public static IReadOnlyList<string> Problems(string text)
    {
        var problems = new List<string>();
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            problems.Add("the text does not end with a line feed");
        }
        var lines = text.Split('\n');
        var helps = new HashSet<string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        // Per histogram series (labels without le): the last cumulative count, whether +Inf was seen, and its value.
        var buckets = new Dictionary<string, (double Last, double? Inf)>(StringComparer.Ordinal);
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var at = $"line {i + 1} '{line}'";
            if (Help().Match(line) is { Success: true } help)
            {
                Enter(help.Groups[1].Value);
                if (!helps.Add(help.Groups[1].Value))
                {
                    problems.Add($"{at}: a second HELP");
                }
                continue;
            }
            if (Type().Match(line) is { Success: true } type)
            {
                Enter(type.Groups[1].Value);
                if (!types.TryAdd(type.Groups[1].Value, type.Groups[2].Value))
                {
                    problems.Add($"{at}: a second TYPE");
                }
                continue;
            }
            if (Sample().Match(line) is not { Success: true } sample)
            {
                problems.Add($"{at}: neither HELP, TYPE nor a sample");
                continue;
            }
            var name = sample.Groups[1].Value;
            var family = current is not null && Belongs(name, current, types.GetValueOrDefault(current)) ? current : null;
            if (family is null)
            {
                problems.Add($"{at}: the sample does not belong to the family '{current}' being written (or its TYPE is missing)");
                continue;
            }
            if (!name.StartsWith("vm_", StringComparison.Ordinal))
            {
                problems.Add($"{at}: the name lacks the vm_ prefix");
            }
            var value = sample.Groups[3].Value;
            if (!TryParse(value, out var number))
            {
                problems.Add($"{at}: '{value}' is not a float");
            }
            var labels = Label().Matches(sample.Groups[2].Value).Select(m => (Name: m.Groups[1].Value, Value: m.Groups[2].Value)).ToList();
            if (labels.Select(l => l.Name).Distinct(StringComparer.Ordinal).Count() != labels.Count)
            {
                problems.Add($"{at}: a label repeats");
            }
            if (!seen.Add(name + "{" + sample.Groups[2].Value + "}"))
            {
                problems.Add($"{at}: the series repeats");
            }
            if (types[family] == "histogram")
            {
                var key = family + "{" + string.Join(",", labels.Where(l => l.Name != "le").Select(l => $"{l.Name}={l.Value}")) + "}";
                if (name.EndsWith("_bucket", StringComparison.Ordinal))
                {
                    var le = labels.Where(l => l.Name == "le").Select(l => l.Value).SingleOrDefault();
                    var (last, inf) = buckets.GetValueOrDefault(key, (0, null));
                    if (le is null || !TryParse(le, out _))
                    {
                        problems.Add($"{at}: a bucket without a valid le");
                    }
                    else if (inf is not null)
                    {
                        problems.Add($"{at}: a bucket after le=\"+Inf\"");
                    }
                    else if (number < last)
                    {
                        problems.Add($"{at}: buckets are not cumulative");
                    }
                    buckets[key] = (number, le == "+Inf" ? number : null);
                }
                else if (name.EndsWith("_count", StringComparison.Ordinal))
                {
                    counts[key] = number;
                }
            }
            else if (labels.Any(l => l.Name == "le") && types[family] != "summary")
            {
                problems.Add($"{at}: le on a {types[family]}");
            }
        }
        if (lines[^1].Length != 0)
        {
            problems.Add("the last line is not terminated");
        }
        foreach (var (key, (_, inf)) in buckets)
        {
            if (inf is null)
            {
                problems.Add($"{key}: no le=\"+Inf\" bucket");
            }
            else if (!counts.TryGetValue(key, out var count) || count != inf)
            {
                problems.Add($"{key}: _count differs from the +Inf bucket");
            }
        }
        foreach (var family in types.Keys.Where(f => !helps.Contains(f)))
        {
            problems.Add($"{family}: no HELP");
        }
        return problems;

        void Enter(string family)
        {
            if (family != current)
            {
                if (current is not null)
                {
                    closed.Add(current);
                }
                if (closed.Contains(family))
                {
                    problems.Add($"{family}: the family's lines are not contiguous");
                }
                current = family;
            }
        }
    }

    private static bool Belongs(string sample, string family, string? type) => type switch
    {
        "histogram" => sample == family + "_bucket" || sample == family + "_sum" || sample == family + "_count",
        "counter" => sample == family && family.EndsWith("_total", StringComparison.Ordinal),
        null => false,
        _ => sample == family,
    };

    private static bool TryParse(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
