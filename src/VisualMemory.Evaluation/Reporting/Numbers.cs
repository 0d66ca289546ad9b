namespace VisualMemory.Evaluation.Reporting;

/// <summary>Number formats of the report, culture-invariant so reports compare byte for byte across machines.</summary>
public static class Numbers
{
    /// <summary>A fraction as a percentage with two decimals ("83.21").</summary>
    public static string Percent(double fraction) => FormattableString.Invariant($"{fraction * 100:F2}");

    /// <summary>A difference of fractions in percentage points with sign ("+0.31", "−1.20").</summary>
    public static string Points(double difference) => FormattableString.Invariant($"{(difference >= 0 ? "+" : "−")}{Math.Abs(difference * 100):F2}");

    /// <summary>A plain number with <paramref name="decimals"/> decimals.</summary>
    public static string Fixed(double value, int decimals) => value.ToString("F" + decimals.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An integer with thousands separators ("60,000").</summary>
    public static string Count(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
