using VisualMemory.Embedding.Batching;
using VisualMemory.OnnxRuntime;

namespace VisualMemory.Server.Embedding;

/// <summary>The node's embedding models and how it runs them (configuration section <c>Embedding</c>).</summary>
public sealed class EmbeddingSettings
{
    /// <summary>Models by name: the name memories record (<c>Embedding:Models:{name}:Path</c>, <c>...:Spec</c>).</summary>
    public Dictionary<string, EmbeddingModelSettings> Models { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Largest encoded image accepted, in bytes (413 beyond).</summary>
    public long MaxImageBytes { get; set; } = 20L << 20;

    /// <summary>Most images in one multipart request (<c>/v1/embed/batch</c>, items); 413 beyond.</summary>
    public int MaxImagesPerRequest { get; set; } = 256;

    /// <summary>Largest image accepted, in pixels of the encoded image, checked from its header before decoding (413 beyond).</summary>
    public long MaxImagePixels { get; set; } = 50_000_000;

    /// <summary>ONNX Runtime: optimisation level, threads, execution provider (cpu or cuda) and device.</summary>
    public OnnxSettings Onnx { get; set; } = new();

    /// <summary>Dynamic batching: batch size, wait, queue capacity.</summary>
    public BatchingOptions Batching { get; set; } = new();

    /// <summary>
    /// Internal URLs of embedding workers (<c>Embedding:Workers:0=http://10.0.0.7:5081</c>, ...) that embed for
    /// models this node does not run itself. In cluster mode the live nodes with the EmbeddingWorker role are
    /// asked as well, without being listed here.
    /// </summary>
    public List<string> Workers { get; set; } = [];

    /// <summary>How long one call to a worker may take, queueing there included, before the next worker is tried.</summary>
    public int WorkerTimeoutMilliseconds { get; set; } = 30_000;

    /// <summary>How long a worker that lacks a model, or could not be reached, is passed over for that model.</summary>
    public int WorkerRetryMilliseconds { get; set; } = 5_000;
}

/// <summary>One configured model.</summary>
public sealed class EmbeddingModelSettings
{
    /// <summary>The ONNX file.</summary>
    public string Path { get; set; } = "";

    /// <summary>A preset name (<c>dinov2-vits14</c>, <c>clip-vitb16</c>, ...) or the path of a spec JSON file (like models/demo/demo-model.json).</summary>
    public string Spec { get; set; } = "";
}
