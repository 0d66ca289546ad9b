using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace VisualMemory.Storage;

/// <summary>
/// Objects in an S3 bucket through AWSSDK.S3: AWS S3, MinIO, Ceph RGW, Cloudflare R2, and s3rver in tests.
/// </summary>
/// <remarks>
/// <para>A put is one <c>PutObject</c>, which S3 applies atomically (readers see the old or the
/// whole new object). Uploads are sent with a plain <c>Content-Length</c> body
/// (<c>UseChunkEncoding = false</c>, and checksums only where the operation requires them) because
/// s3rver and some S3-compatible servers do not understand <c>aws-chunked</c> bodies. Objects are
/// limited to S3's single-put maximum (5 GiB); a stream that cannot seek is buffered in memory.</para>
/// <para>Listing follows <c>ContinuationToken</c> until the listing is complete. A 404 / NoSuchKey
/// becomes <see cref="ObjectNotFoundException"/>.</para>
/// </remarks>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly int _pageSize;

    /// <summary>Creates a store over the bucket described by <paramref name="options"/> (which must exist; see <see cref="CreateBucketIfMissingAsync"/>).</summary>
    public S3ObjectStore(S3ObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.ServiceUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Region);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ListPageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ListPageSize, 1000);
        var prefix = options.Prefix ?? "";
        if (prefix.Length > 0)
        {
            prefix = prefix.TrimEnd('/');
            ObjectKey.Validate(prefix, nameof(options.Prefix));
            prefix += "/";
        }
        _bucket = options.Bucket;
        _prefix = prefix;
        _pageSize = options.ListPageSize;
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl.ToString(),
            AuthenticationRegion = options.Region,
            ForcePathStyle = options.ForcePathStyle,
            Timeout = options.RequestTimeout,
            // The SDK's default is to add CRC checksums to every request as aws-chunked trailers,
            // which s3rver (and some S3-compatible servers) reject; send them only where required.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        _client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        Describe = $"s3://{_bucket}/{_prefix} at {options.ServiceUrl}";
    }

    /// <inheritdoc />
    public string Describe { get; }

    /// <summary>Creates the bucket unless it already exists (for tests and single-node setups).</summary>
    public async Task CreateBucketIfMissingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = _bucket }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // already there
        }
    }

    /// <inheritdoc />
    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        // The SDK needs a Stream; wrap the bytes without copying when they are a whole array segment.
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await PutStreamAsync(key, stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        if (content.CanSeek)
        {
            await PutStreamAsync(key, content, cancellationToken).ConfigureAwait(false);
            return;
        }
        var buffer = new MemoryStream();
        await using (buffer.ConfigureAwait(false))
        {
            await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            buffer.Position = 0;
            await PutStreamAsync(key, buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try
        {
            using var response = await _client.GetObjectAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
            var length = response.ContentLength;
            var result = new byte[length];
            await response.ResponseStream.ReadExactlyAsync(result, cancellationToken).ConfigureAwait(false);
            if (response.ResponseStream.ReadByte() != -1)
            {
                throw new IOException($"Object '{key}' in {Describe} is longer than its Content-Length ({length}).");
            }
            return result;
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            throw new ObjectNotFoundException(key, Describe, e);
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try
        {
            var response = await _client.GetObjectAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
            return new S3ObjectStream(response);
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            throw new ObjectNotFoundException(key, Describe, e);
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try
        {
            await _client.GetObjectMetadataAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var found = new List<ObjectInfo>();
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + prefix, MaxKeys = _pageSize };
        while (true)
        {
            var response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in response.S3Objects ?? [])
            {
                var key = item.Key[_prefix.Length..];
                if (ObjectKey.IsValid(key))
                {
                    found.Add(new ObjectInfo(key, item.Size ?? 0));
                }
            }
            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                break;
            }
            request.ContinuationToken = response.NextContinuationToken;
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return found;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try
        {
            await _client.DeleteObjectAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (IsNotFound(e) && e.ErrorCode != "NoSuchBucket")
        {
            // S3 answers 204 for a missing key; some compatible servers answer 404.
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private async Task PutStreamAsync(string key, Stream stream, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = _prefix + key,
            InputStream = stream,
            AutoCloseStream = false,
            UseChunkEncoding = false,
            ContentType = "application/octet-stream",
        };
        await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsNotFound(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode is "NoSuchKey" or "NotFound";
}
