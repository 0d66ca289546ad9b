namespace VisualMemory.OnnxRuntime;

/// <summary>How an <see cref="OnnxModel"/> session is created: graph optimisation, threads, execution provider.</summary>
public sealed record OnnxSettings
{
    /// <summary>The CPU execution provider (default), built into libonnxruntime.so.</summary>
    public const string CpuProvider = "cpu";

    /// <summary>The CUDA execution provider, loaded as a plugin from <see cref="CudaProviderPath"/>.</summary>
    public const string CudaProvider = "cuda";

    /// <summary>
    /// Graph optimisation level: "disabled", "basic", "extended" or "all" (default "all"; case-insensitive).
    /// </summary>
    public string GraphOptimizationLevel { get; init; } = "all";

    /// <summary>Threads used inside one operator; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads used across independent operators (parallel execution mode only); 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>"cpu" (default) or "cuda". Asking for "cuda" never falls back to the CPU.</summary>
    public string ExecutionProvider { get; init; } = CpuProvider;

    /// <summary>The CUDA device ordinal when <see cref="ExecutionProvider"/> is "cuda" (default 0).</summary>
    public int DeviceId { get; init; }

    /// <summary>
    /// Path to libonnxruntime_providers_cuda.so; when null, the one scripts/setup-cuda.sh installs
    /// (tools/onnxruntime/node_modules/com.github.asus4.onnxruntime.linux-x64-gpu/...) or one next to this assembly.
    /// </summary>
    public string? CudaProviderPath { get; init; }

    /// <summary>Throws when a value is out of range or unknown, naming the setting.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        _ = ParseOptimizationLevel(GraphOptimizationLevel);
        if (IntraOpThreads < 0)
        {
            throw new ArgumentException($"IntraOpThreads must be >= 0 (0 = ONNX Runtime's choice), got {IntraOpThreads}", nameof(IntraOpThreads));
        }
        if (InterOpThreads < 0)
        {
            throw new ArgumentException($"InterOpThreads must be >= 0 (0 = ONNX Runtime's choice), got {InterOpThreads}", nameof(InterOpThreads));
        }
        if (DeviceId < 0)
        {
            throw new ArgumentException($"DeviceId must be >= 0, got {DeviceId}", nameof(DeviceId));
        }
        if (!IsCpu && !IsCuda)
        {
            throw new ArgumentException($"ExecutionProvider must be \"{CpuProvider}\" or \"{CudaProvider}\", got \"{ExecutionProvider}\"", nameof(ExecutionProvider));
        }
    }

    /// <summary>True when the CUDA execution provider is asked for.</summary>
    internal bool IsCuda => string.Equals(ExecutionProvider, CudaProvider, StringComparison.OrdinalIgnoreCase);

    private bool IsCpu => string.Equals(ExecutionProvider, CpuProvider, StringComparison.OrdinalIgnoreCase);

    /// <summary>Maps the setting's text to ONNX Runtime's enum.</summary>
    internal static Microsoft.ML.OnnxRuntime.GraphOptimizationLevel ParseOptimizationLevel(string level) =>
        level?.Trim().ToUpperInvariant() switch
        {
            "DISABLED" or "NONE" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL,
            "BASIC" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            "EXTENDED" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            "ALL" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
            _ => throw new ArgumentException(
                $"GraphOptimizationLevel must be \"disabled\", \"basic\", \"extended\" or \"all\", got \"{level}\"",
                nameof(level)),
        };
}
