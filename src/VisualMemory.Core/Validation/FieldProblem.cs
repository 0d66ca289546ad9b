namespace VisualMemory.Core.Validation;

/// <summary>
/// Why one field of a request is unacceptable. The field is a path into the request as the caller
/// wrote it ("items[3].vector", "k"), so HTTP problem bodies and CLI messages can name it.
/// </summary>
/// <param name="Field">Path of the offending field.</param>
/// <param name="Message">What is wrong, in one sentence.</param>
public sealed record FieldProblem(string Field, string Message);
