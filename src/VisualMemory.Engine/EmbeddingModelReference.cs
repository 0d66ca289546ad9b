using System.Text.RegularExpressions;
using VisualMemory.Core.Validation;

namespace VisualMemory.Engine;

/// <summary>
/// The embedding model a memory's vectors come from: a name the nodes resolve to a model file (their
/// <c>Embedding:Models</c> setting) and the SHA-256 of that file's bytes. Images are embedded only by a
/// model whose bytes hash to <see cref="Sha256"/>, so a memory never mixes vectors of two models.
/// </summary>
/// <param name="Name">The model's name: letters, digits, '.', '_' and '-', at most 64 characters.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the ONNX file.</param>
public sealed partial record EmbeddingModelReference(string Name, string Sha256)
{
    /// <summary>What is wrong with the reference, under <paramref name="field"/>.</summary>
    public IEnumerable<FieldProblem> Problems(string field = "model")
    {
        if (string.IsNullOrEmpty(Name) || !NamePattern().IsMatch(Name))
        {
            yield return new($"{field}.name", "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (string.IsNullOrEmpty(Sha256) || !HashPattern().IsMatch(Sha256))
        {
            yield return new($"{field}.sha256", "must be 64 lower-case hex digits");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HashPattern();
}
