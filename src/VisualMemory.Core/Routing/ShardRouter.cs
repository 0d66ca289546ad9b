namespace VisualMemory.Core.Routing;

/// <summary>
/// Assigns an item id to one of a memory's shards. The hash is fixed (SplitMix64's finaliser), not
/// .NET's randomised string/int hashing, so every process and every restart agrees on the owner.
/// </summary>
public static class ShardRouter
{
    /// <summary>The shard in [0, <paramref name="shardCount"/>) that owns <paramref name="id"/>.</summary>
    public static int ShardOf(long id, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return (int)(Mix((ulong)id) % (ulong)shardCount);
    }

    /// <summary>SplitMix64 finaliser: sequential ids spread evenly over shards.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
