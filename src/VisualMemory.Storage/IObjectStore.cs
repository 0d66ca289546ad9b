namespace VisualMemory.Storage;

/// <summary>
/// A flat namespace of immutable-per-version objects addressed by '/'-separated keys: what a
/// durable shard needs to keep its sealed segments, manifests and log chunks.
/// </summary>
/// <remarks>
/// <para>Implementations: <see cref="LocalDirectoryObjectStore"/> (the embedded default) and
/// <see cref="S3ObjectStore"/> (AWS S3, MinIO, Ceph RGW, R2, s3rver). The surface is kept to what
/// every blob service offers natively (whole-object put/get, streamed get, prefix listing, delete), so another
/// backend, e.g. Azure Blob Storage once its client can be restored, is one more class.</para>
/// <para>Keys are validated by <see cref="ObjectKey.Validate"/>. A put is atomic: a concurrent or
/// later reader sees either the previous object or the whole new one, never a partial object.
/// All methods are safe to call concurrently.</para>
/// </remarks>
public interface IObjectStore
{
    /// <summary>Where the objects live, for messages and logs (e.g. <c>file:///data/objects</c> or <c>s3://bucket/prefix</c>).</summary>
    string Describe { get; }

    /// <summary>Writes the object <paramref name="key"/> with <paramref name="content"/>, replacing any previous version atomically.</summary>
    /// <exception cref="ArgumentException">The key is invalid.</exception>
    Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Writes the object <paramref name="key"/> from <paramref name="content"/> (read to its end), replacing any previous version atomically.</summary>
    /// <exception cref="ArgumentException">The key is invalid.</exception>
    Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Reads the whole object <paramref name="key"/>.</summary>
    /// <exception cref="ObjectNotFoundException">No object has this key.</exception>
    /// <exception cref="ArgumentException">The key is invalid.</exception>
    Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the object <paramref name="key"/> for reading from its start, streaming: for objects too big to
    /// hold in memory whole, such as a dataset's parts. The stream is read-only and forward-only; dispose it
    /// to release the connection or file.
    /// </summary>
    /// <exception cref="ObjectNotFoundException">No object has this key.</exception>
    /// <exception cref="ArgumentException">The key is invalid.</exception>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Whether an object with this key exists.</summary>
    /// <exception cref="ArgumentException">The key is invalid.</exception>
    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every object whose key starts with <paramref name="prefix"/> (plain string prefix; empty for
    /// all), in ordinal key order, with sizes.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix contains characters no key may contain.</exception>
    Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object <paramref name="key"/>; deleting a missing object is not an error.</summary>
    /// <exception cref="ArgumentException">The key is invalid.</exception>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>One listed object: its key (relative to the store) and size in bytes.</summary>
/// <param name="Key">The object's key.</param>
/// <param name="Size">The object's size in bytes.</param>
public sealed record ObjectInfo(string Key, long Size);

/// <summary>Thrown when an object that should exist does not.</summary>
public sealed class ObjectNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="key"/> in the store described by <paramref name="store"/>.</summary>
    public ObjectNotFoundException(string key, string store, Exception? innerException = null)
        : base($"Object '{key}' not found in {store}.", innerException)
    {
        Key = key;
        Store = store;
    }

    /// <summary>Creates the exception with a message.</summary>
    public ObjectNotFoundException() : this("", "") { }

    /// <summary>Creates the exception with a message.</summary>
    public ObjectNotFoundException(string message) : base(message)
    {
        Key = "";
        Store = "";
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public ObjectNotFoundException(string message, Exception innerException) : base(message, innerException)
    {
        Key = "";
        Store = "";
    }

    /// <summary>The missing object's key.</summary>
    public string Key { get; }

    /// <summary>The store's description.</summary>
    public string Store { get; }
}
