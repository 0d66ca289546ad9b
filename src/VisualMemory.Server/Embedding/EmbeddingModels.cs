using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VisualMemory.Embedding.Batching;
using VisualMemory.Embedding.Models;
using VisualMemory.Engine;
using VisualMemory.OnnxRuntime;

namespace VisualMemory.Server.Embedding;

/// <summary>
/// The models this node runs, loaded once at first use from <see cref="EmbeddingSettings.Models"/>: the
/// file is hashed (what memories record), its spec read (a preset or a JSON file), its ONNX session
/// opened and checked against the spec (input and output names, output width), and a batcher put in front.
/// A model that fails to load stays failed with its reason, answered to every request that needs it.
/// </summary>
internal sealed partial class EmbeddingModels(IOptions<EmbeddingSettings> options, ILogger<EmbeddingModels> logger) : IAsyncDisposable, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lazy<(LoadedModel? Model, string? Error)>> _models = new(StringComparer.Ordinal);

    /// <summary>Configured model names.</summary>
    public IReadOnlyCollection<string> Names => options.Value.Models.Keys;

    /// <summary>Models loaded so far (loading stays lazy: metrics must not load a model to report on it).</summary>
    public IReadOnlyList<LoadedModel> Loaded
    {
        get
        {
            lock (_gate)
            {
                return [.. _models.Values.Where(m => m.IsValueCreated && m.Value.Model is not null).Select(m => m.Value.Model!)];
            }
        }
    }

    /// <summary>The model configured under <paramref name="name"/>, loading it if needed.</summary>
    /// <exception cref="EmbeddingUnavailableException">Not configured here (404), or it failed to load (503).</exception>
    public LoadedModel Get(string name)
    {
        if (!options.Value.Models.TryGetValue(name, out var settings))
        {
            throw Unknown(name);
        }
        Lazy<(LoadedModel?, string?)> entry;
        lock (_gate)
        {
            if (!_models.TryGetValue(name, out entry!))
            {
                _models[name] = entry = new(() => Load(name, settings));
            }
        }
        var (model, error) = entry.Value;
        return model ?? throw new EmbeddingUnavailableException(StatusCodes.Status503ServiceUnavailable, "Model unavailable.", $"model '{name}' failed to load: {error}");
    }

    /// <summary>The refusal (404) for a model not configured on this node.</summary>
    public EmbeddingUnavailableException Unknown(string name) =>
        new(StatusCodes.Status404NotFound, "Unknown model.",
            $"this node has no model '{name}' (configured: {(Names.Count == 0 ? "none" : string.Join(", ", Names))}; set Embedding:Models:{name}:Path and :Spec)");

    /// <summary>
    /// The model a memory's images are embedded with: the one configured under the memory's model name,
    /// refused (409) when this node's file hashes differently, so a memory never mixes two models' vectors.
    /// </summary>
    /// <exception cref="EmbeddingUnavailableException">The memory names no model (415), or this node lacks it or has another version (409), or it failed to load.</exception>
    public LoadedModel For(MemoryDefinition memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (memory.Model is not { } reference)
        {
            throw new EmbeddingUnavailableException(StatusCodes.Status415UnsupportedMediaType, "Memory takes vectors only.",
                $"memory '{memory.Name}' names no embedding model, so it takes vectors (JSON), not images; create a memory with \"model\" to send images");
        }
        LoadedModel model;
        try
        {
            model = Get(reference.Name);
        }
        catch (EmbeddingUnavailableException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            throw new EmbeddingUnavailableException(StatusCodes.Status409Conflict, "Model mismatch.",
                $"memory '{memory.Name}' was built with model '{reference.Name}' (sha256 {reference.Sha256}), which this node does not have: {e.Message}");
        }
        if (model.Sha256 != reference.Sha256)
        {
            throw new EmbeddingUnavailableException(StatusCodes.Status409Conflict, "Model mismatch.",
                $"memory '{memory.Name}' was built with model '{reference.Name}' sha256 {reference.Sha256}; this node's file has sha256 {model.Sha256}; refusing to mix two models' vectors");
        }
        if (model.Spec.Dimension != memory.Dimension)
        {
            throw new EmbeddingUnavailableException(StatusCodes.Status409Conflict, "Model mismatch.",
                $"model '{reference.Name}' outputs {model.Spec.Dimension} dimensions; memory '{memory.Name}' holds {memory.Dimension}");
        }
        return model;
    }

    /// <summary>
    /// For readiness: each configured model that is neither loaded nor loadable, with why. A model is loaded on
    /// first use; one not used yet counts as loadable while its file exists (loading it here would make a probe
    /// take seconds and hold the model's memory on nodes that never embed).
    /// </summary>
    public IReadOnlyDictionary<string, string> Unready()
    {
        var unready = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, settings) in options.Value.Models)
        {
            Lazy<(LoadedModel? Model, string? Error)>? entry;
            lock (_gate)
            {
                _models.TryGetValue(name, out entry);
            }
            if (entry is { IsValueCreated: true } && entry.Value.Error is { } error)
            {
                unready[name] = $"failed to load: {error}";
            }
            else if (entry is not { IsValueCreated: true } && !File.Exists(settings.Path))
            {
                unready[name] = $"model file not found: '{settings.Path}'";
            }
        }
        return unready;
    }

    // A host disposed synchronously (the test host is) must free the sessions too, not leave them to finalizers.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        List<LoadedModel> loaded;
        lock (_gate)
        {
            loaded = [.. _models.Values.Where(l => l.IsValueCreated).Select(l => l.Value.Model).OfType<LoadedModel>()];
            _models.Clear();
        }
        foreach (var model in loaded)
        {
            await model.DisposeAsync().ConfigureAwait(false);
        }
    }

    private (LoadedModel?, string?) Load(string name, EmbeddingModelSettings settings)
    {
        try
        {
            var bytes = File.ReadAllBytes(settings.Path);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var spec = ReadSpec(name, settings.Spec);
            if (spec.Problems() is { Count: > 0 } problems)
            {
                return (null, $"spec: {string.Join("; ", problems.Select(p => $"{p.Field} {p.Message}"))}");
            }
            var onnx = OnnxModel.Load(bytes, options.Value.Onnx);
            if (!onnx.InputNames.Contains(spec.InputName) || !onnx.OutputNames.Contains(spec.OutputName))
            {
                onnx.Dispose();
                return (null, $"the graph's inputs are [{string.Join(", ", onnx.InputNames)}] and outputs [{string.Join(", ", onnx.OutputNames)}]; the spec names '{spec.InputName}' → '{spec.OutputName}'");
            }
            var batcher = new EmbeddingBatcher(spec.InputLength, spec.Dimension, (input, rows) => Run(onnx, spec, input, rows), options.Value.Batching);
            LogLoaded(name, sha256, spec.Dimension, options.Value.Onnx.ExecutionProvider);
            return (new LoadedModel(name, sha256, spec, onnx, batcher), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or OnnxRuntimeUnavailableException or InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            LogFailed(name, e.Message);
            return (null, e.Message);
        }
    }

    private static float[] Run(OnnxModel onnx, ModelSpec spec, float[] input, int rows)
    {
        var (output, shape) = onnx.Run(spec.InputName, input, [rows, 3, spec.CropSize, spec.CropSize]);
        if (shape.Length != 2 || shape[0] != rows || shape[1] != spec.Dimension)
        {
            throw new InvalidOperationException($"model output shape [{string.Join(", ", shape)}] is not [{rows}, {spec.Dimension}]");
        }
        if (spec.NormalizeOutput)
        {
            Core.Vectors.VectorMath.NormalizeRows(output, spec.Dimension);
        }
        return output;
    }

    // A preset's name, or a JSON file in ModelSpec's shape (camelCase).
    private static ModelSpec ReadSpec(string name, string spec)
    {
        if (ModelPresets.All.TryGetValue(spec, out var preset))
        {
            return preset;
        }
        if (string.IsNullOrWhiteSpace(spec) || !File.Exists(spec))
        {
            throw new KeyNotFoundException($"Embedding:Models:{name}:Spec must be a preset ({string.Join(", ", ModelPresets.All.Keys)}) or a spec JSON file; '{spec}' is neither");
        }
        return JsonSerializer.Deserialize<ModelSpec>(File.ReadAllBytes(spec), SpecJson) ?? throw new JsonException($"{spec}: empty spec");
    }

    private static readonly JsonSerializerOptions SpecJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedding model {Name} loaded (sha256 {Sha256}, {Dimension}-d, provider {Provider})")]
    private partial void LogLoaded(string name, string sha256, int dimension, string provider);

    [LoggerMessage(Level = LogLevel.Error, Message = "Embedding model {Name} failed to load: {Reason}")]
    private partial void LogFailed(string name, string reason);
}
