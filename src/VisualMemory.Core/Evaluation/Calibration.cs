namespace VisualMemory.Core.Evaluation;

/// <summary>
/// Calibration of kNN confidences (research.md §1: the winning label's share of the vote,
/// <see cref="Aggregation.Classification.Confidence"/>, works as a calibrated confidence):
/// an equal-width reliability diagram and the expected calibration error.
/// </summary>
public static class Calibration
{
    /// <summary>The usual number of reliability-diagram bins.</summary>
    public const int DefaultBins = 10;

    /// <summary>
    /// Bins the predictions by confidence (bin i covers [i/B, (i+1)/B); the last also holds 1) and
    /// measures each bin's accuracy against its mean confidence.
    /// </summary>
    /// <param name="confidences">Per prediction, its confidence in [0, 1].</param>
    /// <param name="correct">Per prediction, whether it was right; as many as <paramref name="confidences"/>, at least one.</param>
    /// <param name="bins">B, the number of equal-width bins; at least 1.</param>
    public static CalibrationReport Compute(IReadOnlyList<double> confidences, IReadOnlyList<bool> correct, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(confidences);
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (confidences.Count != correct.Count || confidences.Count == 0)
        {
            throw new ArgumentException("need one correctness flag per confidence and at least one prediction");
        }
        var counts = new int[bins];
        var confidenceSums = new double[bins];
        var correctCounts = new int[bins];
        double totalConfidence = 0;
        var totalCorrect = 0;
        for (var i = 0; i < confidences.Count; i++)
        {
            var confidence = confidences[i];
            if (!(confidence >= 0 && confidence <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(confidences), confidence, $"confidence {i} is outside [0, 1]");
            }
            var bin = BinOf(confidence, bins);
            counts[bin]++;
            confidenceSums[bin] += confidence;
            totalConfidence += confidence;
            if (correct[i])
            {
                correctCounts[bin]++;
                totalCorrect++;
            }
        }
        var n = confidences.Count;
        var result = new CalibrationBin[bins];
        double ece = 0;
        for (var b = 0; b < bins; b++)
        {
            if (counts[b] == 0)
            {
                result[b] = new CalibrationBin(Edge(b, bins), Edge(b + 1, bins), 0, 0, 0);
                continue;
            }
            var meanConfidence = confidenceSums[b] / counts[b];
            var accuracy = correctCounts[b] / (double)counts[b];
            result[b] = new CalibrationBin(Edge(b, bins), Edge(b + 1, bins), counts[b], meanConfidence, accuracy);
            ece += counts[b] / (double)n * Math.Abs(accuracy - meanConfidence);
        }
        return new CalibrationReport(result, n, totalCorrect / (double)n, totalConfidence / n, ece);
    }

    private static double Edge(int i, int bins) => i / (double)bins;

    // floor(c·B) can land one bin off the reported edges i/B (both are rounded doubles), so it is
    // corrected against the same Edge values the bins report: a confidence always lies inside its bin.
    private static int BinOf(double confidence, int bins)
    {
        var bin = Math.Min(bins - 1, (int)(confidence * bins));
        if (bin > 0 && confidence < Edge(bin, bins))
        {
            bin--;
        }
        else if (bin < bins - 1 && confidence >= Edge(bin + 1, bins))
        {
            bin++;
        }
        return bin;
    }
}
