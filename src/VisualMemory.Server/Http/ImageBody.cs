using Microsoft.Extensions.Primitives;

namespace VisualMemory.Server.Http;

/// <summary>
/// Images sent to a query, item or embed route: a raw <c>image/*</c> body (one image), or the <c>image</c>
/// parts of a <c>multipart/form-data</c> body (one or more, in order); the request's other parameters come
/// from the query string and, for multipart, the form's text fields.
/// </summary>
/// <param name="Images">The images, in the order sent.</param>
/// <param name="Values">Every text value by field name: the query string's, then the form's, in order.</param>
internal sealed record ImageBody(IReadOnlyList<byte[]> Images, IReadOnlyDictionary<string, string[]> Values)
{
    /// <summary>The first (for single-image routes, the only) image.</summary>
    public byte[] Image => Images[0];

    /// <summary>Each field's single value (the last one when a field is repeated).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; } = Values.ToDictionary(p => p.Key, p => p.Value[^1], StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the request carries images rather than JSON.</summary>
    public static bool IsImage(HttpRequest request) =>
        request.ContentType is { } type
        && (type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) || type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The images and fields, or the problem to answer: no image 400, more than <paramref name="maxImages"/> images
    /// or an image over <paramref name="maxImageBytes"/> or a body over <paramref name="maxBodyBytes"/> 413.
    /// </summary>
    public static async Task<(ImageBody? Body, IResult? Problem)> ReadAsync(HttpRequest request, long maxImageBytes, int maxImages, long maxBodyBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var multipart = request.HasFormContentType;
        var bodyLimit = multipart ? Math.Max(maxBodyBytes, maxImageBytes + 64 * 1024) : maxImageBytes;
        if (request.ContentLength > bodyLimit)
        {
            return (null, multipart ? Problems.TooLarge("body", $"at most {bodyLimit} bytes") : Problems.TooLarge("image", $"at most {maxImageBytes} bytes"));
        }
        var values = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in request.Query)
        {
            Add(values, key, value);
        }
        var images = new List<byte[]>();
        if (multipart)
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
                Add(values, key, value);
            }
            var files = form.Files.GetFiles("image");
            if (files.Count == 0)
            {
                return (null, Problems.Invalid("image", "send the image as the multipart field 'image'", StatusCodes.Status400BadRequest));
            }
            if (files.Count > maxImages)
            {
                return (null, Problems.TooLarge("image", $"at most {maxImages} images per request, got {files.Count}"));
            }
            for (var i = 0; i < files.Count; i++)
            {
                if (files[i].Length > maxImageBytes)
                {
                    return (null, Problems.TooLarge("image", $"image {i}: at most {maxImageBytes} bytes, got {files[i].Length}"));
                }
                using var buffer = new MemoryStream();
                await files[i].CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                images.Add(buffer.ToArray());
            }
        }
        else
        {
            using var buffer = new MemoryStream();
            try
            {
                await request.Body.CopyToAsync(new LimitedStream(buffer, maxImageBytes), cancellationToken).ConfigureAwait(false);
            }
            catch (BodyTooLargeException)
            {
                return (null, Problems.TooLarge("image", $"at most {maxImageBytes} bytes"));
            }
            images.Add(buffer.ToArray());
        }
        return (new ImageBody(images, values.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase)), null);
    }

    private static void Add(Dictionary<string, List<string>> values, string key, StringValues value)
    {
        if (!values.TryGetValue(key, out var list))
        {
            values[key] = list = [];
        }
        foreach (var item in value)
        {
            if (item is not null)
            {
                list.Add(item);
            }
        }
    }
}
