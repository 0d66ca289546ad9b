namespace VisualMemory.Faiss;

/// <summary>
/// A failure reported by FAISS (a C++ exception caught in the native shim) or by the shim's own
/// argument checks. The message is FAISS's own text.
/// </summary>
public sealed class FaissException : Exception
{
    /// <summary>Creates the exception with FAISS's message.</summary>
    public FaissException(string message) : base(message) { }

    /// <summary>Creates the exception with FAISS's message and an inner cause.</summary>
    public FaissException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates an exception with no message; prefer the constructors that take FAISS's text.</summary>
    public FaissException() : base("FAISS call failed") { }
}
