namespace VisualMemory.Storage;

/// <summary>
/// A view of another store in which every key is relative to a fixed prefix: what lets one node keep
/// a shard replica as a self-contained durable memory (its own manifests, segments and state) beside
/// the other replicas of the same shard in one bucket, without the engine knowing about replicas.
/// </summary>
public sealed class PrefixedObjectStore : IObjectStore
{
    private readonly IObjectStore _inner;

    /// <summary>Creates the view of <paramref name="inner"/> under <paramref name="prefix"/>.</summary>
    /// <exception cref="ArgumentException">The prefix is empty, does not end in '/' or is not a valid key prefix.</exception>
    public PrefixedObjectStore(IObjectStore inner, string prefix)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0 || !prefix.EndsWith('/'))
        {
            throw new ArgumentException($"A store prefix must be non-empty and end in '/', not '{prefix}'.", nameof(prefix));
        }
        ObjectKey.Validate(prefix[..^1], nameof(prefix));
        _inner = inner;
        Prefix = prefix;
    }

    /// <summary>The prefix every key of this view is stored under, ending in '/'.</summary>
    public string Prefix { get; }

    /// <inheritdoc />
    public string Describe => $"{_inner.Describe} under {Prefix}";

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        _inner.PutAsync(Full(key), content, cancellationToken);

    /// <inheritdoc />
    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default) =>
        _inner.PutAsync(Full(key), content, cancellationToken);

    /// <inheritdoc />
    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _inner.GetAsync(Full(key), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            // Callers name the key they asked for, not the inner store's.
            throw new ObjectNotFoundException(key, Describe, e);
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _inner.OpenReadAsync(Full(key), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new ObjectNotFoundException(key, Describe, e);
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        _inner.ExistsAsync(Full(key), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var listed = await _inner.ListAsync(Prefix + prefix, cancellationToken).ConfigureAwait(false);
        return [.. listed.Select(o => o with { Key = o.Key[Prefix.Length..] })];
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        _inner.DeleteAsync(Full(key), cancellationToken);

    // Validated on its own first, so an invalid relative key is reported as the caller wrote it.
    private string Full(string key)
    {
        ObjectKey.Validate(key);
        return Prefix + key;
    }
}
