using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VisualMemory.Storage.CrashProbe;

/// <summary>The payload the probe appends for (round, worker, counter), and its check.</summary>
public static class ProbePayload
{
    private const int KeyBytes = 20;

    /// <summary>20 bytes of key, then 8 to 71 bytes derived from the key's SHA-256.</summary>
    public static byte[] Make(long round, int worker, long counter)
    {
        var key = new byte[KeyBytes];
        BinaryPrimitives.WriteInt64LittleEndian(key, round);
        BinaryPrimitives.WriteInt32LittleEndian(key.AsSpan(8), worker);
        BinaryPrimitives.WriteInt64LittleEndian(key.AsSpan(12), counter);
        var hash = SHA256.HashData(key);
        var tail = 8 + (int)(counter % 64);
        var payload = new byte[KeyBytes + tail];
        key.CopyTo(payload, 0);
        for (var i = 0; i < tail; i++)
        {
            payload[KeyBytes + i] = hash[i % hash.Length];
        }
        return payload;
    }

    /// <summary>Whether <paramref name="payload"/> is exactly what <see cref="Make"/> gives for the key it starts with.</summary>
    public static bool IsWellFormed(byte[] payload)
    {
        if (payload.Length < KeyBytes)
        {
            return false;
        }
        var expected = Make(
            BinaryPrimitives.ReadInt64LittleEndian(payload),
            BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(8)),
            BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(12)));
        return expected.AsSpan().SequenceEqual(payload);
    }
}
