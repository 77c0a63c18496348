using System.Diagnostics;
using Microsoft.Extensions.Options;
using Platform.Coordination;
using Platform.Scraper.Diagnostics;

namespace Platform.Scraper.Capture;

/// <summary>
/// Cluster-wide politeness: at most <see cref="CaptureOptions.PerHostConcurrency"/> captures of one target host at once,
/// across every Scraper replica, through the shared Redis counting semaphore ("host:{hostname}").
/// </summary>
public sealed class HostPoliteness(IDistributedSemaphore semaphore, IOptionsMonitor<CaptureOptions> options, ScraperMetrics metrics)
{
    public static string ResourceFor(Uri url) => $"host:{url.IdnHost.ToLowerInvariant()}";

    /// <summary>Waits for the host's slot; null when the wait timed out.</summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable: the limit cannot be honoured, so the capture is refused.</exception>
    public async Task<SemaphoreLease?> AcquireAsync(Uri url, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var lease = await semaphore.AcquireAsync(ResourceFor(url), o.PerHostConcurrency, TimeSpan.FromMilliseconds(o.HostWaitTimeoutMs), ct);
            outcome = lease is null ? "timeout" : "acquired";
            return lease;
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            throw;
        }
        finally
        {
            metrics.HostWaited(Stopwatch.GetElapsedTime(started), outcome);
        }
    }
}
