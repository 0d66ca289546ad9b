namespace VisualMemory.Datasets;

/// <summary>A data file that cannot be read as what it claims to be; the message names the file and the problem.</summary>
public sealed class InvalidDataFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidDataFileException(string message) : base(message) { }

    /// <summary>Creates the exception with a cause.</summary>
    public InvalidDataFileException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public InvalidDataFileException() : base("invalid data file") { }
}
