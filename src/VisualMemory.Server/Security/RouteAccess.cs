namespace VisualMemory.Server.Security;

/// <summary>What a request needs before it is served.</summary>
internal enum RouteAccess
{
    /// <summary>Nothing: health probes (and <c>/metrics</c> unless configured otherwise).</summary>
    Open,

    /// <summary>An API key with the query scope.</summary>
    Query,

    /// <summary>An API key with the admin scope.</summary>
    Admin,

    /// <summary>The cluster secret: a node-to-node route.</summary>
    Internal,
}
