namespace Platform.Api.Ops;

/// <summary>
/// This replica's name: OpenTelemetry's service.instance.id (set by AppHost as under Aspire), else machine and pid.
/// Recorded as a job's owner_instance and used as its heartbeat key.
/// </summary>
public sealed class InstanceIdentity
{
    public InstanceIdentity(IConfiguration configuration, TimeProvider time)
    {
        StartedAt = time.GetUtcNow();
        Service = configuration["OTEL_SERVICE_NAME"] ?? "api";
        Id = FromResourceAttributes(configuration["OTEL_RESOURCE_ATTRIBUTES"]) is { } instance
            ? QualifiedName(Service, instance)
            : $"{Environment.MachineName}-{Environment.ProcessId}";
    }

    public string Id { get; }
    public string Service { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>Aspire's service.instance.id is the replica's suffix ("x7k2abcd"); "api-x7k2abcd" is the replica's name in the dashboard.</summary>
    internal static string QualifiedName(string service, string instance) =>
        instance.StartsWith(service + "-", StringComparison.Ordinal) ? instance : $"{service}-{instance}";

    internal static string? FromResourceAttributes(string? attributes) =>
        attributes?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0].Trim() == "service.instance.id" && kv[1].Trim().Length > 0)
            .Select(kv => Uri.UnescapeDataString(kv[1].Trim()))
            .FirstOrDefault();
}
