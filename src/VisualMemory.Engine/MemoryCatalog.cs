using System.Collections.Concurrent;
using VisualMemory.Core.Validation;

namespace VisualMemory.Engine;

/// <summary>The memories hosted by this node, by name. Thread-safe.</summary>
public sealed class MemoryCatalog : IDisposable
{
    private readonly ConcurrentDictionary<string, LocalMemory> _memories = new(StringComparer.Ordinal);

    /// <summary>Creates a catalog using <paramref name="settings"/> for every memory.</summary>
    public MemoryCatalog(MemorySettings settings) => Settings = settings ?? throw new ArgumentNullException(nameof(settings));

    /// <summary>Engine settings applied to every memory.</summary>
    public MemorySettings Settings { get; }

    /// <summary>Names of all memories, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _memories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Creates a memory. Returns the problems with the definition (nothing is created) or, when
    /// there are none, whether the name was free.
    /// </summary>
    public (IReadOnlyList<FieldProblem> Problems, LocalMemory? Created) Create(MemoryDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var problems = definition.Problems();
        if (problems.Count > 0)
        {
            return (problems, null);
        }
        var memory = new LocalMemory(definition, Settings);
        if (_memories.TryAdd(definition.Name, memory))
        {
            return ([], memory);
        }
        memory.Dispose();
        return ([], null);
    }

    /// <summary>Adds an already built memory (e.g. one loaded from disk); false if the name is taken.</summary>
    public bool TryAdd(LocalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return _memories.TryAdd(memory.Definition.Name, memory);
    }

    /// <summary>The memory with this name, or null.</summary>
    public LocalMemory? Find(string name) => _memories.TryGetValue(name, out var memory) ? memory : null;

    /// <summary>Removes and frees a memory; false if there is none of that name.</summary>
    public bool Drop(string name)
    {
        if (!_memories.TryRemove(name, out var memory))
        {
            return false;
        }
        memory.Dispose();
        return true;
    }

    /// <summary>Frees every memory.</summary>
    public void Dispose()
    {
        foreach (var memory in _memories.Values)
        {
            memory.Dispose();
        }
        _memories.Clear();
    }
}
