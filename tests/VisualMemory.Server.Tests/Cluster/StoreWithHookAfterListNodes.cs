using System.Reflection;
using VisualMemory.ControlPlane;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// A real cluster store whose first <see cref="IClusterStore.ListNodesAsync"/> runs a hook once the read is
/// done, so a test can put another writer's change between two of the controller's reads.
/// </summary>
// DispatchProxy.Create instantiates it, and derives from it (so it cannot be sealed).
#pragma warning disable CA1812, CA1852
internal class StoreWithHookAfterListNodes : DispatchProxy
#pragma warning restore CA1812, CA1852
{
    private IClusterStore _inner = null!;
    private Func<Task>? _hook;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="afterFirstListNodes"/> runs once.</summary>
    public static IClusterStore Wrap(IClusterStore inner, Func<Task> afterFirstListNodes)
    {
        var proxy = Create<IClusterStore, StoreWithHookAfterListNodes>();
        var self = (StoreWithHookAfterListNodes)(object)proxy;
        self._inner = inner;
        self._hook = afterFirstListNodes;
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var result = targetMethod.Invoke(_inner, args);
        if (targetMethod.Name == nameof(IClusterStore.ListNodesAsync) && Interlocked.Exchange(ref _hook, null) is { } hook)
        {
            return ThenAsync((Task<IReadOnlyList<NodeRecord>>)result!, hook);
        }
        return result;
    }

    private static async Task<IReadOnlyList<NodeRecord>> ThenAsync(Task<IReadOnlyList<NodeRecord>> read, Func<Task> hook)
    {
        var nodes = await read.ConfigureAwait(false);
        await hook().ConfigureAwait(false);
        return nodes;
    }
}
