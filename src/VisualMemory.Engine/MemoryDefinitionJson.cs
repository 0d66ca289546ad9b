using System.Text.Json;

namespace VisualMemory.Engine;

/// <summary>
/// The one JSON form of a <see cref="MemoryDefinition"/>, shared by the stored <c>memory.json</c> and the
/// control plane's memory record, so every reader parses what every writer wrote.
/// </summary>
public static class MemoryDefinitionJson
{
    /// <summary>The definition as JSON bytes.</summary>
    public static byte[] ToUtf8(MemoryDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return JsonSerializer.SerializeToUtf8Bytes(new Stored(definition.Name, definition.Dimension, definition.Index, definition.Shards, definition.NProbe, definition.Center?.ToArray(), definition.Model));
    }

    /// <summary>The definition as a JSON string.</summary>
    public static string ToJson(MemoryDefinition definition) => System.Text.Encoding.UTF8.GetString(ToUtf8(definition));

    /// <summary>Parses JSON written by <see cref="ToUtf8"/>.</summary>
    /// <exception cref="JsonException">Not a definition.</exception>
    public static MemoryDefinition Parse(ReadOnlySpan<byte> json)
    {
        var stored = JsonSerializer.Deserialize<Stored>(json) ?? throw new JsonException("empty definition");
        return new MemoryDefinition(stored.Name, stored.Dimension, stored.Index, stored.Shards, stored.NProbe, stored.Center, stored.Model);
    }

    /// <summary>Parses JSON written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">Not a definition.</exception>
    public static MemoryDefinition Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    // Model is absent from definitions written before memories named their embedding model: it reads as null.
    private sealed record Stored(string Name, int Dimension, string Index, int Shards, int NProbe, float[]? Center, EmbeddingModelReference? Model = null);
}
