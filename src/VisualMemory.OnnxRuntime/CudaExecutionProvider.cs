using Microsoft.ML.OnnxRuntime;

namespace VisualMemory.OnnxRuntime;

/// <summary>
/// Adds the CUDA execution provider to session options. This build of libonnxruntime.so has no
/// built-in CUDA entry point, so libonnxruntime_providers_cuda.so is registered as a plugin library
/// (once per path per process), its devices are listed, and the one at <see cref="OnnxSettings.DeviceId"/>
/// is appended. Every failure is an <see cref="OnnxRuntimeUnavailableException"/>.
/// </summary>
internal static class CudaExecutionProvider
{
    /// <summary>The provider library's file name.</summary>
    public const string LibraryName = "libonnxruntime_providers_cuda.so";

    /// <summary>The execution provider's name as ONNX Runtime reports it for its devices.</summary>
    public const string EpName = "CUDAExecutionProvider";

    private const string HowToInstall =
        "Install it with scripts/setup-cuda.sh (npm com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9) or set OnnxSettings.CudaProviderPath to its path; "
        + CpuHint;

    private const string CpuHint = "set OnnxSettings.ExecutionProvider to \"cpu\" to run on the CPU";

    private static readonly Dictionary<string, string> Registered = new(StringComparer.Ordinal);
    private static readonly Lock RegisterLock = new();

    /// <summary>Appends the CUDA provider for <paramref name="settings"/> to <paramref name="options"/>.</summary>
    /// <exception cref="OnnxRuntimeUnavailableException">No provider library, it cannot be loaded, or no such GPU.</exception>
    public static void Append(SessionOptions options, OnnxSettings settings)
    {
        var path = FindLibrary(settings);
        var env = OrtEnv.Instance();
        Register(env, path);
        var devices = env.GetEpDevices().Where(d => d.EpName == EpName).ToList();
        if (devices.Count == 0)
        {
            throw new OnnxRuntimeUnavailableException(
                $"ExecutionProvider \"cuda\": {path} loaded but reports no CUDA GPU (is the NVIDIA driver installed, and is the GPU visible, e.g. CUDA_VISIBLE_DEVICES?). "
                + CpuHint + ".");
        }
        if (settings.DeviceId >= devices.Count)
        {
            throw new OnnxRuntimeUnavailableException(
                $"ExecutionProvider \"cuda\": DeviceId {settings.DeviceId} asked for, but only {devices.Count} CUDA GPU(s) found (DeviceId 0..{devices.Count - 1}).");
        }
        try
        {
            options.AppendExecutionProvider(env, [devices[settings.DeviceId]], new Dictionary<string, string>());
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxRuntimeUnavailableException($"ExecutionProvider \"cuda\": could not use CUDA device {settings.DeviceId}: {e.Message}; {CpuHint}.", e);
        }
    }

    /// <summary>The provider library to load: the setting's path, else the one setup-cuda.sh installs, else one next to this assembly.</summary>
    private static string FindLibrary(OnnxSettings settings)
    {
        if (settings.CudaProviderPath is { } configured)
        {
            return File.Exists(configured)
                ? Path.GetFullPath(configured)
                : throw new OnnxRuntimeUnavailableException(
                    $"ExecutionProvider \"cuda\": OnnxSettings.CudaProviderPath is {configured}, which does not exist. {HowToInstall}.");
        }
        var candidates = DefaultLocations().ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new OnnxRuntimeUnavailableException(
                $"ExecutionProvider \"cuda\": the CUDA provider library {LibraryName} was not found (looked in {string.Join(", ", candidates)}). {HowToInstall}.");
    }

    private static IEnumerable<string> DefaultLocations()
    {
        // Where scripts/setup-cuda.sh put it, recorded by the build (see the .csproj), then next to us.
        var built = typeof(CudaExecutionProvider).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "OnnxRuntimeCudaProviderPath")?.Value;
        if (!string.IsNullOrEmpty(built))
        {
            yield return built;
        }
        yield return Path.Combine(AppContext.BaseDirectory, LibraryName);
    }

    private static void Register(OrtEnv env, string path)
    {
        lock (RegisterLock)
        {
            if (Registered.ContainsKey(path))
            {
                return;
            }
            var name = Registered.Count == 0 ? "cuda" : $"cuda{Registered.Count}";
            try
            {
                env.RegisterExecutionProviderLibrary(name, path);
            }
            catch (OnnxRuntimeException e)
            {
                throw new OnnxRuntimeUnavailableException(
                    $"ExecutionProvider \"cuda\": {path} could not be loaded ({e.Message}). The CUDA provider needs the NVIDIA driver and the CUDA 13 runtime and cuBLAS 13 libraries on the loader path (LD_LIBRARY_PATH; cuDNN 9 for convolutions); {CpuHint}.",
                    e);
            }
            Registered[path] = name;
        }
    }
}
