using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace VisualMemory.OnnxRuntime;

/// <summary>
/// An ONNX model loaded into an ONNX Runtime session (CPU by default, CUDA when
/// <see cref="OnnxSettings.ExecutionProvider"/> says so), run on float32 tensors.
/// <see cref="Run"/> is safe to call from many threads at once; <see cref="Dispose"/> waits for runs in progress.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly Dictionary<string, OnnxTensorInfo> _inputsByName;
    private readonly ReaderWriterLockSlim _lifetime = new(LockRecursionPolicy.NoRecursion);
    private bool _disposed;

    private OnnxModel(InferenceSession session, OnnxSettings settings)
    {
        _session = session;
        Settings = settings;
        Inputs = [.. session.InputMetadata.Select(m => Describe(m.Key, m.Value))];
        Outputs = [.. session.OutputMetadata.Select(m => Describe(m.Key, m.Value))];
        _inputsByName = Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
    }

    /// <summary>The settings the session was created with.</summary>
    public OnnxSettings Settings { get; }

    /// <summary>The model's inputs in graph order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    /// <summary>The model's outputs in graph order; <see cref="Run"/> returns the first.</summary>
    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    /// <summary>The inputs' names in graph order.</summary>
    public IReadOnlyList<string> InputNames => [.. Inputs.Select(i => i.Name)];

    /// <summary>The outputs' names in graph order.</summary>
    public IReadOnlyList<string> OutputNames => [.. Outputs.Select(o => o.Name)];

    /// <summary>The version of the native ONNX Runtime library in use, e.g. "1.29.0".</summary>
    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Loads a model file.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a model ONNX Runtime can load.</exception>
    /// <exception cref="OnnxRuntimeUnavailableException">CUDA was asked for and cannot be used.</exception>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public static OnnxModel Load(string path, OnnxSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model file not found: {path}", path);
        }
        return Create(options => new InferenceSession(path, options), path, settings);
    }

    /// <summary>Loads a model from its serialised bytes (an ONNX ModelProto).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a model ONNX Runtime can load.</exception>
    /// <exception cref="OnnxRuntimeUnavailableException">CUDA was asked for and cannot be used.</exception>
    /// <exception cref="ArgumentException">A setting is invalid, or the bytes are empty.</exception>
    public static OnnxModel Load(byte[] model, OnnxSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Length == 0)
        {
            throw new ArgumentException("ONNX model bytes are empty", nameof(model));
        }
        return Create(options => new InferenceSession(model, options), $"{model.Length} bytes", settings);
    }

    /// <summary>
    /// Runs the model on one float32 input tensor and returns its first output with that output's shape.
    /// </summary>
    /// <param name="input">The input's name (one of <see cref="InputNames"/>).</param>
    /// <param name="data">The tensor's values in row-major (C) order.</param>
    /// <param name="shape">The tensor's shape; fixed dimensions must match the model's, free ones (-1) take any size.</param>
    /// <exception cref="ArgumentException">Unknown input name, wrong rank or dimension, or data length not the shape's product.</exception>
    /// <exception cref="InvalidOperationException">ONNX Runtime failed while running the model.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public (float[] Output, int[] Shape) Run(string input, float[] data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        var dims = CheckInput(input, data, shape);
        _lifetime.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var value = OrtValue.CreateTensorValueFromMemory(data, dims);
            using var runOptions = new RunOptions();
            try
            {
                using var results = _session.Run(runOptions, [input], [value], [Outputs[0].Name]);
                var output = results[0];
                var outputShape = output.GetTensorTypeAndShape().Shape.Select(d => checked((int)d)).ToArray();
                return (output.GetTensorDataAsSpan<float>().ToArray(), outputShape);
            }
            catch (OnnxRuntimeException e)
            {
                throw new InvalidOperationException($"ONNX Runtime failed to run the model on input '{input}' [{string.Join(", ", shape)}]: {e.Message}", e);
            }
        }
        finally
        {
            _lifetime.ExitReadLock();
        }
    }

    /// <summary>Releases the session once runs in progress have finished.</summary>
    public void Dispose()
    {
        _lifetime.EnterWriteLock();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _session.Dispose();
        }
        finally
        {
            _lifetime.ExitWriteLock();
        }
    }

    private long[] CheckInput(string input, float[] data, int[] shape)
    {
        if (!_inputsByName.TryGetValue(input, out var info))
        {
            throw new ArgumentException($"the model has no input '{input}'; its inputs are {string.Join(", ", Inputs.Select(i => $"'{i.Name}' {i.ShapeText}"))}", nameof(input));
        }
        if (info.ElementType != nameof(TensorElementType.Float))
        {
            throw new ArgumentException($"input '{input}' takes {info.ElementType} tensors; only Float inputs are supported", nameof(input));
        }
        var shapeText = "[" + string.Join(", ", shape) + "]";
        if (shape.Length != info.Shape.Count)
        {
            throw new ArgumentException($"input '{input}' has shape {info.ShapeText} (rank {info.Shape.Count}); got shape {shapeText} (rank {shape.Length})", nameof(shape));
        }
        long count = 1;
        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i] <= 0)
            {
                throw new ArgumentException($"input '{input}': dimension {i} of shape {shapeText} must be positive", nameof(shape));
            }
            if (info.Shape[i] >= 0 && info.Shape[i] != shape[i])
            {
                throw new ArgumentException($"input '{input}' has shape {info.ShapeText}; got shape {shapeText} (dimension {i} must be {info.Shape[i]})", nameof(shape));
            }
            count *= shape[i];
        }
        if (count != data.Length)
        {
            throw new ArgumentException($"input '{input}': shape {shapeText} holds {count} values, data has {data.Length}", nameof(data));
        }
        return [.. shape.Select(d => (long)d)];
    }

    private static OnnxModel Create(Func<SessionOptions, InferenceSession> open, string source, OnnxSettings? settings)
    {
        settings ??= new OnnxSettings();
        settings.Validate();
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = OnnxSettings.ParseOptimizationLevel(settings.GraphOptimizationLevel),
            IntraOpNumThreads = settings.IntraOpThreads,
            InterOpNumThreads = settings.InterOpThreads,
        };
        if (settings.IsCuda)
        {
            CudaExecutionProvider.Append(options, settings);
        }
        InferenceSession session;
        try
        {
            session = open(options);
        }
        catch (OnnxRuntimeException e) when (settings.IsCuda && e.Message.Contains("CUDA", StringComparison.OrdinalIgnoreCase))
        {
            throw new OnnxRuntimeUnavailableException($"ExecutionProvider \"cuda\": the session could not be created on the GPU: {e.Message}", e);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"not an ONNX model ONNX Runtime can load ({source}): {e.Message}", e);
        }
        try
        {
            return new OnnxModel(session, settings);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static OnnxTensorInfo Describe(string name, NodeMetadata metadata) =>
        metadata.IsTensor
            ? new OnnxTensorInfo(name, metadata.ElementDataType.ToString(), metadata.Dimensions)
            : new OnnxTensorInfo(name, metadata.OnnxValueType.ToString(), []);
}
