using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using VisualMemory.Core.Diagnostics;

namespace VisualMemory.Server;

/// <summary>
/// OpenTelemetry traces over OTLP when <c>Telemetry:OtlpEndpoint</c> is set. The provider listens to our
/// <see cref="Tracing.Source"/> and to the framework's own sources: "Microsoft.AspNetCore" (a server span per
/// request, continued from an incoming <c>traceparent</c>) and "System.Net.Http" (a client span per call,
/// whose context the handler writes into the outgoing <c>traceparent</c>). That is all the propagation the
/// node-to-node h2c calls need; the instrumentation packages that would add more do not restore here.
/// </summary>
internal static class NodeTracing
{
    /// <summary>Registers the tracer provider when an endpoint is configured; returns whether it did.</summary>
    /// <exception cref="InvalidOperationException">The endpoint, protocol or ratio is invalid.</exception>
    public static bool AddNodeTracing(this WebApplicationBuilder builder, string nodeName)
    {
        var settings = builder.Configuration.GetSection("Telemetry").Get<TelemetrySettings>() ?? new TelemetrySettings();
        if (string.IsNullOrWhiteSpace(settings.OtlpEndpoint))
        {
            return false;
        }
        if (!Uri.TryCreate(settings.OtlpEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"Telemetry:OtlpEndpoint must be an http(s) URL, not \"{settings.OtlpEndpoint}\"");
        }
        var grpc = settings.OtlpProtocol.Trim().ToLowerInvariant() switch
        {
            "grpc" => true,
            "http/protobuf" or "http" => false,
            _ => throw new InvalidOperationException($"Telemetry:OtlpProtocol must be \"http/protobuf\" or \"grpc\", not \"{settings.OtlpProtocol}\""),
        };
        if (settings.SampleRatio is < 0 or > 1 || double.IsNaN(settings.SampleRatio))
        {
            throw new InvalidOperationException("Telemetry:SampleRatio must be between 0 and 1");
        }
        // A programmatic endpoint is used as given, so the HTTP exporter needs the signal's path spelled out.
        if (!grpc && !endpoint.AbsolutePath.EndsWith("/v1/traces", StringComparison.Ordinal))
        {
            endpoint = new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1/traces");
        }
        var provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(settings.ServiceName, serviceInstanceId: nodeName))
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(settings.SampleRatio)))
            .AddSource(Tracing.SourceName, "Microsoft.AspNetCore", "System.Net.Http")
            .AddOtlpExporter(options =>
            {
                options.Endpoint = endpoint;
                options.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                options.BatchExportProcessorOptions.ScheduledDelayMilliseconds = Math.Max(1, settings.BatchDelayMilliseconds);
            })
            .Build();
        // Built now, not on first use, so the first request is already traced; the hosted service flushes it at stop.
        builder.Services.AddSingleton(provider);
        builder.Services.AddHostedService(_ => new TracingLifetime(provider));
        return true;
    }

    private sealed class TracingLifetime(TracerProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            // Sends the spans still batched, so a node stopped right after a request does not lose its trace.
            provider.ForceFlush(5000);
            provider.Dispose();
            return Task.CompletedTask;
        }
    }
}
