using Microsoft.Extensions.Options;
using Platform.Coordination;
using Platform.Scraper.Admission;
using Platform.Scraper.Contracts;
using Platform.Scraper.Diagnostics;
using Platform.Scraper.Pages;

namespace Platform.Scraper.Capture;

/// <summary>
/// Everything a capture must pass before the response starts streaming, cheapest first: the target's address, memory
/// pressure, a place in the bounded pool queue, the host's cluster-wide politeness slot, then a page slot. Waiting for the
/// host before the page keeps page slots free for other hosts while one busy host queues. A capture whose caller reserved
/// the host's slot (<see cref="HostReservation"/>) skips that wait.
/// </summary>
public sealed class CaptureAdmission(
    AddressPolicy addresses,
    MemoryPressure memory,
    PagePool pool,
    HostPoliteness politeness,
    ScraperMetrics metrics,
    TimeProvider time,
    ILogger<CaptureAdmission> logger)
{
    public async Task<(CaptureSlot? Slot, CaptureProblem? Problem)> AdmitAsync(Uri url, HostReservation? reservation, CancellationToken ct)
    {
        var (server, blocked) = await addresses.ResolveTargetAsync(url, ct);
        if (server is null)
        {
            metrics.AdmissionRefused("blocked-address");
            return (null, new CaptureProblem
            {
                Type = CaptureProblemTypes.BlockedAddress, Title = "The target address is not allowed.", Status = StatusCodes.Status422UnprocessableEntity, Detail = blocked,
            });
        }
        if (memory.IsUnderPressure(out var reading))
        {
            metrics.AdmissionRefused("memory-pressure");
            return (null, Unavailable(CaptureProblemTypes.MemoryPressure, "The Scraper is under memory pressure.",
                $"{reading.Ratio:P0} of {reading.LimitBytes / (1024 * 1024)} MiB in use."));
        }
        var ticket = pool.TryAdmit();
        if (ticket is null)
        {
            metrics.AdmissionRefused("pool-full");
            return (null, Unavailable(CaptureProblemTypes.PoolSaturated, "All pages are busy and the wait queue is full.",
                $"{pool.Options.MaxPages} pages in use, {pool.Options.MaxWaiting} captures waiting."));
        }
        SemaphoreLease? hostLease = null;
        try
        {
            var reserved = false;
            try
            {
                reserved = await politeness.HonoursAsync(server, reservation, ct);
                if (!reserved)
                {
                    hostLease = await politeness.AcquireAsync(server, ct);
                }
            }
            catch (CoordinationUnavailableException e)
            {
                logger.LogWarning(e, "Redis unavailable; refusing capture of {Host} rather than exceeding its politeness limit", url.Host);
                metrics.AdmissionRefused("coordination-unavailable");
                ticket.Dispose();
                return (null, Unavailable(CaptureProblemTypes.HostBusy, "The per-host limit cannot be checked right now.", e.Message));
            }
            if (!reserved && hostLease is null)
            {
                metrics.AdmissionRefused("host-busy");
                ticket.Dispose();
                return (null, Unavailable(CaptureProblemTypes.HostBusy, "Too many captures of this host are running.",
                    $"Waited for a slot on {url.Host} ({server}) without getting one."));
            }
            var hostSlotAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (!await ticket.WaitForPageAsync(TimeSpan.FromMilliseconds(pool.Options.WaitTimeoutMs), ct))
            {
                metrics.AdmissionRefused("pool-timeout");
                if (hostLease is not null)
                {
                    await hostLease.DisposeAsync();
                }
                ticket.Dispose();
                return (null, Unavailable(CaptureProblemTypes.PoolSaturated, "No page became free in time.", null));
            }
            return (new CaptureSlot(ticket, hostLease, hostSlotAt), null);
        }
        catch
        {
            if (hostLease is not null)
            {
                await hostLease.DisposeAsync();
            }
            ticket.Dispose();
            throw;
        }
    }

    private CaptureProblem Unavailable(string type, string title, string? detail) => new()
    {
        Type = type, Title = title, Detail = detail, Status = StatusCodes.Status503ServiceUnavailable, Transient = true,
    };

    public int RetryAfterSeconds => pool.Options.RetryAfterSeconds;
}

/// <summary>
/// An admitted capture's resources: its page slot and its host politeness lease, released together. No lease when the
/// caller reserved the host's slot: the caller renews and releases it, and aborts the request if it loses it.
/// </summary>
public sealed class CaptureSlot(PoolTicket ticket, SemaphoreLease? hostLease, long hostSlotAt) : IAsyncDisposable
{
    public long HostSlotAt { get; } = hostSlotAt;
    public CancellationToken HostLeaseLost => hostLease?.LeaseLost ?? CancellationToken.None;

    public async ValueTask DisposeAsync()
    {
        ticket.Dispose();
        if (hostLease is not null)
        {
            await hostLease.DisposeAsync();
        }
    }
}
