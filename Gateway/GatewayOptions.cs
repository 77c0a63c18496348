using System.ComponentModel.DataAnnotations;

namespace Platform.Gateway;

/// <summary>Section "Gateway" (environment: Gateway__StaticFilesRoot, Gateway__HealthCheckInterval, …).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The built SPA (index.html, assets/). Unset: web-spa/dist of the repository the gateway runs from.</summary>
    public string? StaticFilesRoot { get; set; }

    /// <summary>How often YARP probes each Api replica's /health.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the replica registry (Redis hash platform:instances) is read into YARP's destinations.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")] public TimeSpan RegistryRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A heartbeat older than this is a replica that is gone (the Api's own InstanceHeartbeat.StaleAfter).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan ReplicaStaleAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Largest request body the gateway forwards to the Api (the Api's SubmissionLimits:MaxBodyBytes, 1 MiB by default);
    /// a larger one is answered 413 here, since a body the Api stops reading half-way ends as a broken proxy stream.
    /// </summary>
    [Range(1024, 100L * 1024 * 1024)] public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Retry-After on a 503 while no Api replica answers (start-up, every replica restarting).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan UnavailableRetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The Api's service name: heartbeats of other services are ignored, and http://{ApiService} (service
    /// discovery, under Aspire the DCP proxy in front of all replicas) is the destination until a replica registers.</summary>
    [Required, RegularExpression("^[a-z0-9-]+$")] public string ApiService { get; set; } = "api";
}
