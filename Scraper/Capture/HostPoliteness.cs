using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using Platform.Coordination;
using Platform.Scraper.Contracts;
using Platform.Scraper.Diagnostics;

namespace Platform.Scraper.Capture;

/// <summary>
/// Cluster-wide politeness: at most <see cref="CaptureOptions.PerHostConcurrency"/> captures of one target server at once,
/// across every Scraper replica, through the shared Redis counting semaphore ("host:{address}"). Keyed on the address
/// really connected to (<see cref="AddressPolicy.Canonical"/>), not on the name asked for: an IP literal, a second name
/// or a subdomain of the same server shares its slots.
/// </summary>
public sealed class HostPoliteness(IDistributedSemaphore semaphore, IOptionsMonitor<CaptureOptions> options, ScraperMetrics metrics)
{
    public static string ResourceFor(IPAddress server) => TargetServer.PolitenessResource(server);

    /// <summary>
    /// True when the caller reserved this server's slot for the capture and still holds it (the Api's dispatcher does so
    /// before it claims a job): the capture then takes no slot of its own. A reservation for another server (its name now
    /// resolves elsewhere) or one no longer held is not honoured, and the capture waits for a slot as usual.
    /// </summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable.</exception>
    public async Task<bool> HonoursAsync(IPAddress server, HostReservation? reservation, CancellationToken ct)
    {
        if (reservation is null)
        {
            return false;
        }
        var started = Stopwatch.GetTimestamp();
        var honoured = reservation.Resource == ResourceFor(server) && await semaphore.IsHeldAsync(reservation.Resource, reservation.LeaseId, ct);
        metrics.HostWaited(Stopwatch.GetElapsedTime(started), honoured ? "reserved" : "reservation-refused");
        return honoured;
    }

    /// <summary>Waits for the host's slot; null when the wait timed out.</summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable: the limit cannot be honoured, so the capture is refused.</exception>
    public async Task<SemaphoreLease?> AcquireAsync(IPAddress server, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var lease = await semaphore.AcquireAsync(ResourceFor(server), o.PerHostConcurrency, TimeSpan.FromMilliseconds(o.HostWaitTimeoutMs), ct);
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
