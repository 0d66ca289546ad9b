namespace VisualMemory.Server;

/// <summary>Where traces go. Bound from configuration section "Telemetry"; without an endpoint nothing is recorded.</summary>
public sealed class TelemetrySettings
{
    /// <summary>
    /// The OTLP collector, e.g. <c>http://otel-collector:4318</c> (HTTP/protobuf; <c>/v1/traces</c> is added unless the
    /// path already names it) or <c>http://otel-collector:4317</c> with <see cref="OtlpProtocol"/> <c>grpc</c>. Empty: no tracing.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>The <c>service.name</c> resource attribute; the node name goes into <c>service.instance.id</c>.</summary>
    public string ServiceName { get; set; } = "visual-memory";

    /// <summary>Fraction of new traces recorded (0 to 1); a request that arrives with a sampled parent is always recorded.</summary>
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>How long finished spans wait to be sent in one batch.</summary>
    public int BatchDelayMilliseconds { get; set; } = 5000;
}
