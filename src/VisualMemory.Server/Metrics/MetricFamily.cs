namespace VisualMemory.Server.Metrics;

/// <summary>All series of one metric name, with its help text and type: one <c># HELP</c>/<c># TYPE</c> block in the exposition.</summary>
internal sealed record MetricFamily(string Name, MetricKind Kind, string Help, IReadOnlyList<MetricSeries> Series);
