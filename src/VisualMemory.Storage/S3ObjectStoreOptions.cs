namespace VisualMemory.Storage;

/// <summary>Where and how <see cref="S3ObjectStore"/> reaches its bucket.</summary>
/// <remarks>
/// The defaults suit a local S3 emulator (s3rver's fixed <c>S3RVER</c>/<c>S3RVER</c> credentials,
/// path-style addressing). For a real service pass its endpoint and credentials from configuration
/// or the environment; none are built in.
/// </remarks>
public sealed class S3ObjectStoreOptions
{
    /// <summary>The service endpoint, e.g. <c>http://127.0.0.1:4569</c> (s3rver, MinIO) or <c>https://s3.eu-west-1.amazonaws.com</c>.</summary>
    public Uri ServiceUrl { get; set; } = new("http://127.0.0.1:4569");

    /// <summary>The region used to sign requests (emulators accept any).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The bucket holding the objects.</summary>
    public string Bucket { get; set; } = "visualmemory";

    /// <summary>
    /// A key prefix inside the bucket, so several stores can share one bucket (empty for none; a
    /// trailing '/' is added). Keys given to the store are relative to it.
    /// </summary>
    public string Prefix { get; set; } = "";

    /// <summary>The access key id.</summary>
    public string AccessKey { get; set; } = "S3RVER";

    /// <summary>The secret access key.</summary>
    public string SecretKey { get; set; } = "S3RVER";

    /// <summary>Path-style addressing (<c>host/bucket/key</c>) rather than virtual-host style; needed by s3rver, MinIO and most self-hosted servers.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Keys asked for per list request (S3's maximum is 1000); smaller values exercise paging in tests.</summary>
    public int ListPageSize { get; set; } = 1000;

    /// <summary>The timeout of one HTTP request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
