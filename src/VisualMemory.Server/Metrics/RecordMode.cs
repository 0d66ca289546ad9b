namespace VisualMemory.Server.Metrics;

/// <summary>How a measurement changes its series.</summary>
internal enum RecordMode
{
    /// <summary>Added to the series (Counter, UpDownCounter).</summary>
    Add,

    /// <summary>Replaces the series' value (observable instruments report totals or current values; Gauge).</summary>
    Set,

    /// <summary>Counted into a histogram bucket.</summary>
    Observe,
}
