using System.Security.Cryptography;
using System.Text;

namespace VisualMemory.Server.Security;

/// <summary>
/// Secrets are compared as SHA-256 digests with <see cref="CryptographicOperations.FixedTimeEquals"/>: hashing
/// first makes both sides the same length, so neither the time taken nor an early exit tells a caller how
/// much of a guess was right.
/// </summary>
internal static class SecretHash
{
    /// <summary>The SHA-256 digest of the secret's UTF-8 bytes.</summary>
    public static byte[] Of(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Whether <paramref name="presented"/> hashes to <paramref name="expectedHash"/>, in time independent of where they differ.</summary>
    public static bool Matches(string? presented, byte[] expectedHash) =>
        CryptographicOperations.FixedTimeEquals(Of(presented ?? ""), expectedHash) && presented is not null;
}
