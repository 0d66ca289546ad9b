using VisualMemory.Engine;

namespace VisualMemory.Server.Http;

/// <summary>The prelude every memory-scoped POST/PUT shares: find the memory, then read the JSON body.</summary>
internal static class MemoryRequest
{
    /// <summary>
    /// The memory and the parsed body, or the problem response to return instead (404 unknown memory,
    /// 400/413/415 unreadable body).
    /// </summary>
    public static async Task<(LocalMemory? Memory, T? Input, IResult? Problem)> ReadAsync<T>(
        string name, HttpRequest request, JsonBody body, MemoryCatalog catalog) where T : class
    {
        if (catalog.Find(name) is not { } memory)
        {
            return (null, null, Problems.UnknownMemory(name));
        }
        var (input, problem) = await body.ReadAsync<T>(request).ConfigureAwait(false);
        return input is null ? (null, null, problem) : (memory, input, null);
    }

    /// <summary>
    /// Like <see cref="ReadAsync{T}"/> for a search or classify, whose body may also be an image embedded
    /// with the memory's model (<see cref="QueryBody"/>).
    /// </summary>
    public static async Task<(LocalMemory? Memory, T? Input, IResult? Problem)> ReadQueryAsync<T>(
        string name, HttpRequest request, QueryBody body, MemoryCatalog catalog, CancellationToken cancellationToken) where T : class
    {
        if (catalog.Find(name) is not { } memory)
        {
            return (null, null, Problems.UnknownMemory(name));
        }
        var (input, problem) = await body.ReadAsync<T>(request, memory.Definition, cancellationToken).ConfigureAwait(false);
        return input is null ? (null, null, problem) : (memory, input, null);
    }
}
