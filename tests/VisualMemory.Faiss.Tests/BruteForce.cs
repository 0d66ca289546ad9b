namespace VisualMemory.Faiss.Tests;

/// <summary>The reference every index is checked against: exact inner products in double precision.</summary>
internal static class BruteForce
{
    public static (long Id, double Score)[][] Search(float[] data, long[] ids, float[] queries, int dimension, int k)
    {
        var n = data.Length / dimension;
        var nq = queries.Length / dimension;
        var results = new (long, double)[nq][];
        for (var q = 0; q < nq; q++)
        {
            var scores = new (long Id, double Score)[n];
            for (var i = 0; i < n; i++)
            {
                double dot = 0;
                for (var j = 0; j < dimension; j++)
                {
                    dot += (double)queries[q * dimension + j] * data[i * dimension + j];
                }
                scores[i] = (ids[i], dot);
            }
            results[q] = [.. scores.OrderByDescending(s => s.Score).ThenBy(s => s.Id).Take(k)];
        }
        return results;
    }
}
