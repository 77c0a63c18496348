using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Scraper.Browser;

public sealed class BrowserHealthCheck(BrowserHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.IsConnected
            ? HealthCheckResult.Healthy($"Chromium {host.Browser!.Version} connected")
            : HealthCheckResult.Unhealthy("Chromium is not connected"));
}
