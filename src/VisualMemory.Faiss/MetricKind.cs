namespace VisualMemory.Faiss;

/// <summary>How an index compares vectors. Cosine similarity is inner product on L2-normalised vectors.</summary>
public enum MetricKind
{
    /// <summary>Larger is closer; FAISS's METRIC_INNER_PRODUCT.</summary>
    InnerProduct = 0,

    /// <summary>Squared Euclidean distance, smaller is closer; FAISS's METRIC_L2.</summary>
    L2 = 1,
}
