namespace VisualMemory.Server.Contracts;

/// <summary>Response of POST /v1/embed.</summary>
/// <param name="Model">The model that embedded the image.</param>
/// <param name="Sha256">SHA-256 of the model's ONNX file (what memories record).</param>
/// <param name="Dimension">The vector's length.</param>
/// <param name="Vector">The embedding (L2-normalised when the model's spec says so).</param>
public sealed record EmbedResponse(string Model, string Sha256, int Dimension, float[] Vector);

/// <summary>Response of POST /v1/embed/batch.</summary>
/// <param name="Model">The model that embedded the images.</param>
/// <param name="Sha256">SHA-256 of the model's ONNX file (what memories record).</param>
/// <param name="Dimension">Each vector's length.</param>
/// <param name="Vectors">One embedding per image, in the order the images were sent.</param>
public sealed record EmbedBatchResponse(string Model, string Sha256, int Dimension, IReadOnlyList<float[]> Vectors);

/// <summary>Response of GET /v1/models.</summary>
/// <param name="Models">Names of the configured models.</param>
public sealed record ModelList(IReadOnlyList<string> Models);
