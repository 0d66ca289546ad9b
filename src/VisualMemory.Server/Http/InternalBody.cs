using Google.Protobuf;
using VisualMemory.Cluster.Transport;

namespace VisualMemory.Server.Http;

/// <summary>Reads a Protobuf body on an internal route: media type, size limit, parse errors as problem details.</summary>
internal static class InternalBody
{
    public static async Task<(T? Message, IResult? Problem)> ReadAsync<T>(HttpRequest request, MessageParser<T> parser, ApiSettings limits)
        where T : IMessage<T>
    {
        if (request.ContentType != ShardSearchClient.MediaType)
        {
            return (default, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.", detail: $"send {ShardSearchClient.MediaType}"));
        }
        if (request.ContentLength > limits.MaxRequestBodyBytes)
        {
            return (default, Problems.TooLarge("body", $"at most {limits.MaxRequestBodyBytes} bytes"));
        }
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body).ConfigureAwait(false);
        try
        {
            return (parser.ParseFrom(body.GetBuffer().AsSpan(0, (int)body.Length)), null);
        }
        catch (InvalidProtocolBufferException e)
        {
            return (default, Problems.Invalid("body", $"not a {typeof(T).Name}: {e.Message}", StatusCodes.Status400BadRequest));
        }
    }
}
