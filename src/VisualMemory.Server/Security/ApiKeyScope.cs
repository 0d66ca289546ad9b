namespace VisualMemory.Server.Security;

/// <summary>What an API key may do; a larger value includes the smaller ones (admin implies query).</summary>
public enum ApiKeyScope
{
    /// <summary>Reads and queries: GET routes, search, classify, embed.</summary>
    Query = 1,

    /// <summary>Everything else: creating and dropping memories, writes, deletes, unlearning, pruning, cluster operations, jobs.</summary>
    Admin = 2,
}
