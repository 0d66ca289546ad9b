namespace VisualMemory.Server.Health;

/// <summary>
/// What the hosted services report about their own start, read by <c>GET /readyz</c>: whether the stored
/// memories were opened, and when this node last reached the control plane. Thread-safe.
/// </summary>
internal sealed class NodeReadiness(TimeProvider clock)
{
    private int _memoriesLoaded;
    private long _lastContactTicks = -1;
    private string? _controlPlaneError;

    /// <summary>The clock contacts are stamped with.</summary>
    public TimeProvider Clock { get; } = clock;

    /// <summary>Set once <see cref="MemoryHostService"/> has opened every stored memory (refused ones included: they are reported elsewhere).</summary>
    public bool MemoriesLoaded => Volatile.Read(ref _memoriesLoaded) == 1;

    /// <summary>When a control-plane call last succeeded (registration or heartbeat); null before the node registered.</summary>
    public DateTimeOffset? LastControlPlaneContact
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastContactTicks);
            return ticks < 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>The last control-plane failure since the last success; null when the last call succeeded.</summary>
    public string? ControlPlaneError => Volatile.Read(ref _controlPlaneError);

    /// <summary>Called by <see cref="MemoryHostService"/> when its start has opened the memories.</summary>
    public void MarkMemoriesLoaded() => Volatile.Write(ref _memoriesLoaded, 1);

    /// <summary>Called after every successful control-plane call of the membership loop.</summary>
    public void MarkControlPlaneContact()
    {
        Interlocked.Exchange(ref _lastContactTicks, Clock.GetUtcNow().UtcTicks);
        Volatile.Write(ref _controlPlaneError, null);
    }

    /// <summary>Called when a control-plane call of the membership loop failed.</summary>
    public void MarkControlPlaneFailure(string message) => Volatile.Write(ref _controlPlaneError, message);
}
