namespace VisualMemory.OnnxRuntime;

/// <summary>
/// The execution provider the settings ask for cannot be used on this machine (for CUDA: the provider
/// library, its CUDA libraries or a GPU is missing). The message says what is missing and which
/// setting or script changes that; nothing falls back to the CPU silently.
/// </summary>
public sealed class OnnxRuntimeUnavailableException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public OnnxRuntimeUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message saying what is missing.</summary>
    public OnnxRuntimeUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the ONNX Runtime error behind it.</summary>
    public OnnxRuntimeUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
