namespace VisualMemory.Server.Security;

/// <summary>A configured API key as requests see it: its name (for rate limiting and audit) and scope, never the key itself.</summary>
/// <param name="Name">The name the operator gave the key.</param>
/// <param name="Scope">What the key may do.</param>
public sealed record ApiKey(string Name, ApiKeyScope Scope);
