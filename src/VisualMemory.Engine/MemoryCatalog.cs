using System.Collections.Concurrent;
using VisualMemory.Core.Validation;
using VisualMemory.Engine.Durability;

namespace VisualMemory.Engine;

/// <summary>
/// The memories hosted by this node, by name. With a <see cref="MemoryStorage"/> every memory is
/// durable: created in storage, reopened by <see cref="LoadAllAsync"/>, destroyed on drop.
/// Thread-safe.
/// </summary>
public sealed class MemoryCatalog : IDisposable
{
    private readonly ConcurrentDictionary<string, LocalMemory> _memories = new(StringComparer.Ordinal);

    // Stored memories that failed to load, with why: their names stay taken so nobody overwrites the evidence.
    private readonly ConcurrentDictionary<string, string> _refused = new(StringComparer.Ordinal);

    // Creating and dropping touch storage; one at a time, so a create never wipes a memory another
    // create of the same name has just stored.
    private readonly Lock _lifecycle = new();

    /// <summary>Creates a catalog using <paramref name="settings"/> for every memory; with <paramref name="storage"/> memories are durable.</summary>
    public MemoryCatalog(MemorySettings settings, MemoryStorage? storage = null)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Storage = storage;
    }

    /// <summary>Engine settings applied to every memory.</summary>
    public MemorySettings Settings { get; }

    /// <summary>Where memories are stored, or null when they live in memory only.</summary>
    public MemoryStorage? Storage { get; }

    /// <summary>Names of all memories, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _memories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Every memory hosted now.</summary>
    public IReadOnlyList<LocalMemory> Memories => [.. _memories.Values];

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
        lock (_lifecycle)
        {
            if (_memories.ContainsKey(definition.Name) || _refused.ContainsKey(definition.Name))
            {
                return ([], null);
            }
            var memory = Storage is null
                ? new LocalMemory(definition, Settings)
                : LocalMemory.CreateAsync(definition, Settings, Storage).GetAwaiter().GetResult();
            _memories[definition.Name] = memory;
            return ([], memory);
        }
    }

    /// <summary>Adds an already built memory; false if the name is taken.</summary>
    public bool TryAdd(LocalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return _memories.TryAdd(memory.Definition.Name, memory);
    }

    /// <summary>
    /// Opens every stored memory and finishes drops a crash interrupted. A memory that fails to
    /// load (damaged object or log) is not served; its failure is returned and its data left for
    /// an operator to inspect.
    /// </summary>
    public async Task<IReadOnlyList<(string Name, Exception Error)>> LoadAllAsync(CancellationToken cancellationToken = default)
    {
        var failures = new List<(string, Exception)>();
        if (Storage is null)
        {
            return failures;
        }
        foreach (var leftover in await Storage.ListLeftoversAsync(cancellationToken).ConfigureAwait(false))
        {
            await Storage.DeleteAsync(leftover, cancellationToken).ConfigureAwait(false);
        }
        foreach (var name in await Storage.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var memory = await LocalMemory.OpenAsync(name, Settings, Storage, cancellationToken).ConfigureAwait(false);
                if (!_memories.TryAdd(name, memory))
                {
                    memory.Dispose();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add((name, e));
                _refused[name] = e.Message;
            }
        }
        return failures;
    }

    /// <summary>Why the stored memory of this name was not loaded, or null when it was (or does not exist).</summary>
    public string? RefusedReason(string name) => _refused.TryGetValue(name, out var reason) ? reason : null;

    /// <summary>The memory with this name, or null.</summary>
    public LocalMemory? Find(string name) => _memories.TryGetValue(name, out var memory) ? memory : null;

    /// <summary>Removes a memory and deletes everything it stored; false if there is none of that name.</summary>
    public bool Drop(string name)
    {
        lock (_lifecycle)
        {
            if (!_memories.TryRemove(name, out var memory))
            {
                return false;
            }
            memory.DestroyAsync().GetAwaiter().GetResult();
            return true;
        }
    }

    /// <summary>Frees every memory (what is durable stays stored).</summary>
    public void Dispose()
    {
        foreach (var memory in _memories.Values)
        {
            memory.Dispose();
        }
        _memories.Clear();
    }
}
