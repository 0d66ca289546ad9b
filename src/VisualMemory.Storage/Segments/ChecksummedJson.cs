using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VisualMemory.Storage.Segments;

/// <summary>
/// The envelope of every manifest: <c>{"kind":…,"formatVersion":N,"sha256":"…","body":{…}}</c>, where
/// <c>sha256</c> is the lowercase hex SHA-256 of the body's exact UTF-8 text as it appears in the
/// object. A flipped byte anywhere in the body is therefore detected, not only in the fields a reader
/// cross-checks.
/// </summary>
internal static class ChecksummedJson
{
    /// <summary>Writes the envelope around the body that <paramref name="writeBody"/> writes (as one JSON object).</summary>
    public static byte[] Write(string kind, int formatVersion, Action<Utf8JsonWriter> writeBody)
    {
        var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Indented = true }))
        {
            writeBody(writer);
        }
        var bodyBytes = body.ToArray();
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", kind);
            writer.WriteNumber("formatVersion", formatVersion);
            writer.WriteString("sha256", Sha256Hex(bodyBytes));
            writer.WritePropertyName("body");
            writer.WriteRawValue(bodyBytes, skipInputValidation: true);
            writer.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    /// <summary>
    /// Parses and verifies an envelope; returns the body, or a problem (kind and detail) without
    /// throwing. <paramref name="formatVersion"/> is the version found (0 if none).
    /// </summary>
    public static (JsonDocument? Document, JsonElement Body, CorruptionKind Kind, string? Problem) Read(
        byte[] content, string expectedKind, int supportedVersion, out int formatVersion)
    {
        formatVersion = 0;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content);
        }
        catch (JsonException e)
        {
            return (null, default, CorruptionKind.MalformedManifest, $"malformed manifest JSON ({e.Message})");
        }
        var root = document.RootElement;
        string? problem = null;
        var kind = CorruptionKind.MalformedManifest;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("kind", out var kindElement) || kindElement.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("formatVersion", out var versionElement) || !versionElement.TryGetInt32(out formatVersion)
            || !root.TryGetProperty("sha256", out var shaElement) || shaElement.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            problem = "malformed manifest JSON (the envelope needs kind, formatVersion, sha256 and an object body)";
        }
        else if (kindElement.GetString() != expectedKind)
        {
            (kind, problem) = (CorruptionKind.Inconsistent, $"it is a '{kindElement.GetString()}' manifest, expected '{expectedKind}'");
        }
        else if (formatVersion != supportedVersion)
        {
            (kind, problem) = (CorruptionKind.UnsupportedFormatVersion,
                $"unsupported format version {formatVersion} (this build reads version {supportedVersion})");
        }
        else
        {
            var actual = Sha256Hex(Encoding.UTF8.GetBytes(body.GetRawText()));
            var recorded = shaElement.GetString();
            if (!string.Equals(actual, recorded, StringComparison.Ordinal))
            {
                (kind, problem) = (CorruptionKind.ChecksumMismatch, $"manifest checksum mismatch: the body hashes to {actual}, the manifest records {recorded}");
            }
            else
            {
                return (document, body, kind, null);
            }
        }
        document.Dispose();
        return (null, default, kind, problem);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
