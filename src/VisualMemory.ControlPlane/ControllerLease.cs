namespace VisualMemory.ControlPlane;

/// <summary>The controller lease: who may change placement, and until when.</summary>
/// <param name="Holder">The node holding the lease.</param>
/// <param name="Epoch">Increments on every change of holder; placement writes carry it so a deposed controller is refused.</param>
/// <param name="ExpiresAt">When the lease lapses unless renewed (database clock).</param>
public sealed record ControllerLease(string Holder, long Epoch, DateTimeOffset ExpiresAt);
