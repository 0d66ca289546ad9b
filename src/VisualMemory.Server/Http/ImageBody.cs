using Microsoft.Extensions.Primitives;

namespace VisualMemory.Server.Http;

/// <summary>
/// An image sent to a query or embed route: a raw <c>image/*</c> body, or the <c>image</c> field of a
/// <c>multipart/form-data</c> body; the request's other parameters come from the query string and, for
/// multipart, the form's text fields.
/// </summary>
internal sealed record ImageBody(byte[] Image, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>Whether the request carries an image rather than JSON.</summary>
    public static bool IsImage(HttpRequest request) =>
        request.ContentType is { } type
        && (type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) || type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase));

    /// <summary>The image and its fields, or the problem to answer (missing image 400, too large 413).</summary>
    public static async Task<(ImageBody? Body, IResult? Problem)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes + (request.HasFormContentType ? 64 * 1024 : 0))
        {
            return (null, Problems.TooLarge("image", $"at most {maxBytes} bytes"));
        }
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in request.Query)
        {
            fields[key] = value.ToString();
        }
        byte[] image;
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                return (null, Problems.Invalid("body", $"unreadable multipart body: {e.Message}", StatusCodes.Status400BadRequest));
            }
            foreach (var (key, value) in form)
            {
                fields[key] = ((StringValues)value).ToString();
            }
            if (form.Files.GetFile("image") is not { } file)
            {
                return (null, Problems.Invalid("image", "send the image as the multipart field 'image'", StatusCodes.Status400BadRequest));
            }
            if (file.Length > maxBytes)
            {
                return (null, Problems.TooLarge("image", $"at most {maxBytes} bytes, got {file.Length}"));
            }
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            image = buffer.ToArray();
        }
        else
        {
            using var buffer = new MemoryStream();
            try
            {
                await request.Body.CopyToAsync(new LimitedStream(buffer, maxBytes), cancellationToken).ConfigureAwait(false);
            }
            catch (BodyTooLargeException)
            {
                return (null, Problems.TooLarge("image", $"at most {maxBytes} bytes"));
            }
            image = buffer.ToArray();
        }
        return (new ImageBody(image, fields), null);
    }
}
