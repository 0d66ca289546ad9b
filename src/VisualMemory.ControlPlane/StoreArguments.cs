using System.Text.Json;

namespace VisualMemory.ControlPlane;

/// <summary>Argument checks both stores share, so they refuse the same calls.</summary>
internal static class StoreArguments
{
    public static void Name(string value, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, parameterName);
    }

    public static void Lease(TimeSpan lease, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero, parameterName);
    }

    public static void Memory(string name, string definitionJson, int shards, int replicationFactor)
    {
        Name(name, nameof(name));
        ArgumentNullException.ThrowIfNull(definitionJson);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        // The store keeps the definition as text (returned exactly as given); refusing invalid JSON
        // here keeps a broken definition from reaching every node that reads it later.
        using var _ = JsonDocument.Parse(definitionJson);
    }

    public static void Move(string memory, string fromNode, string toNode)
    {
        Name(memory, nameof(memory));
        Name(fromNode, nameof(fromNode));
        Name(toNode, nameof(toNode));
        if (string.Equals(fromNode, toNode, StringComparison.Ordinal))
        {
            throw new ArgumentException($"a move needs two different nodes, not {fromNode} twice", nameof(toNode));
        }
    }

    public static void Changes(IReadOnlyList<PlacementChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            ArgumentNullException.ThrowIfNull(change, nameof(changes));
            Name(change.Memory, nameof(changes));
            Name(change.Node, nameof(changes));
        }
    }
}
