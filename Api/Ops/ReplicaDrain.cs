using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Platform.Api.Dispatch;

namespace Platform.Api.Ops;

public sealed class DrainOptions
{
    public const string Section = "Drain";

    /// <summary>The secret the AppHost's "Drain" command sends; unset = draining over HTTP is off.</summary>
    public string? Token { get; set; }

    /// <summary>How long running jobs get to finish; then the replica stops anyway and hands the rest back to the queue.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Draining a replica, for a rolling restart: it stops claiming jobs, leaves the gateway's rotation (its /health
/// reports "draining", so the gateway's probe takes it out and the dashboard shows it), lets the jobs it runs finish
/// (bounded by <see cref="DrainOptions.Timeout"/>), then stops with exit code 0, which the AppHost does not restart.
/// Owner of the one drain of this replica; its wait observes the host's stopping token.
/// </summary>
public sealed class ReplicaDrain(
    ExecutingJobs executing,
    IHostApplicationLifetime lifetime,
    IOptions<DrainOptions> options,
    TimeProvider time,
    ILogger<ReplicaDrain> logger) : IHealthCheck
{
    private int _draining;

    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    public void Begin()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 1)
        {
            return;
        }
        logger.LogInformation("Draining: no new jobs; stopping once the {Count} running job(s) finish (at most {Timeout})", executing.Count, options.Value.Timeout);
        _ = StopWhenIdleAsync();
    }

    private async Task StopWhenIdleAsync()
    {
        var deadline = time.GetUtcNow() + options.Value.Timeout;
        try
        {
            while (executing.Count > 0 && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), time, lifetime.ApplicationStopping);
            }
        }
        catch (OperationCanceledException)
        {
            return; // stopping anyway
        }
        logger.LogInformation("Drained ({Count} job(s) still running are handed back); stopping", executing.Count);
        lifetime.StopApplication();
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsDraining
            ? HealthCheckResult.Unhealthy($"draining: {executing.Count} job(s) still running")
            : HealthCheckResult.Healthy());
}
