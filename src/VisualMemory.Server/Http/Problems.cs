using VisualMemory.Core.Validation;

namespace VisualMemory.Server.Http;

/// <summary>
/// RFC 7807 problem responses. Field-level problems use the "errors" member (field path →
/// messages) that ASP.NET Core's validation problems use, so clients need one parser.
/// </summary>
internal static class Problems
{
    public static IResult Invalid(IEnumerable<FieldProblem> problems, int status = StatusCodes.Status422UnprocessableEntity) =>
        Results.ValidationProblem(
            problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()),
            detail: string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}")),
            statusCode: status,
            title: status == StatusCodes.Status400BadRequest ? "The request body could not be read." : "The request has invalid fields.");

    public static IResult Invalid(string field, string message, int status = StatusCodes.Status422UnprocessableEntity) =>
        Invalid([new FieldProblem(field, message)], status);

    public static IResult UnknownMemory(string name) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown memory.", detail: $"no memory named '{name}'");

    public static IResult UnknownItem(string memory, long id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown item.", detail: $"memory '{memory}' holds no item {id}");

    public static IResult Damaged(string name, string reason) =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Memory not loaded.",
            detail: $"memory '{name}' is stored but failed verification at start and is not served: {reason}");

    public static IResult Conflict(string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    public static IResult TooLarge(string field, string message) =>
        Invalid(field, message, StatusCodes.Status413PayloadTooLarge);
}
