using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Formats;
using Platform.Api.Jobs;
using Platform.Coordination;
using Platform.Scraper.Contracts;
using StackExchange.Redis;

namespace Platform.Api.Capture;

/// <summary>
/// The dispatcher's view of capture capacity, over Coordination semaphores the Scraper shares: a target server's politeness
/// slots ("host:{address}", limit = the Scrapers' advertised per-host concurrency) and each Scraper replica's pages
/// ("scraper-pages:{url}", limit = the pages it advertises in the registry "platform:scrapers"). A reservation takes one
/// of each; the Scraper honours the host slot (it checks the lease is held) and the capture goes to the reserved replica.
/// Owner of the registry cache (read at most every <see cref="ScraperClientOptions.RegistryRefreshMs"/>, under one lock).
/// With no Scraper advertised (registry empty or unreadable) pages are not reserved and captures go through service
/// discovery, as before reservations existed.
/// </summary>
public sealed class ScraperReservations(
    IDistributedSemaphore semaphore,
    IConnectionMultiplexer redis,
    IOptionsMonitor<ScraperClientOptions> options,
    JobMetrics metrics,
    TimeProvider time,
    ILogger<ScraperReservations> logger) : ICaptureCapacity
{
    private static readonly InstanceRegistry Registry = new(ScraperRegistry.Key);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Scrapers _scrapers = Scrapers.Empty;
    private volatile IReadOnlyDictionary<string, int> _freePages = new Dictionary<string, int>();
    private int _rotation;

    public async Task<CaptureCapacityView> ViewAsync(IReadOnlyCollection<string> targetServers, CancellationToken ct)
    {
        var scrapers = await ScrapersAsync(ct);
        var servers = targetServers.ToList();
        var resources = servers.Select(HostResource).Concat(scrapers.Live.Select(s => ScraperRegistry.PageResource(s.Url))).ToList();
        var held = await semaphore.CountHoldersAsync(resources, ct);
        var hostSlots = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < servers.Count; i++)
        {
            hostSlots[servers[i]] = Math.Max(0, scrapers.PerHostConcurrency - held[i]);
        }
        var free = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < scrapers.Live.Count; i++)
        {
            free[scrapers.Live[i].Url] = Math.Max(0, scrapers.Live[i].Pages - held[servers.Count + i]);
        }
        _freePages = free;
        return new CaptureCapacityView(hostSlots, scrapers.Live.Count == 0 ? null : free.Values.Sum());
    }

    public async Task<CaptureReservationResult> TryReserveAsync(string? targetServer, CancellationToken ct)
    {
        var scrapers = await ScrapersAsync(ct);
        SemaphoreLease? host = null;
        if (targetServer is not null)
        {
            host = await semaphore.TryAcquireAsync(HostResource(targetServer), scrapers.PerHostConcurrency, ct);
            if (host is null)
            {
                metrics.CaptureReservationRefused("host-full");
                return CaptureReservationResult.Refused(CaptureRefusal.HostFull);
            }
        }
        try
        {
            if (scrapers.Live.Count == 0)
            {
                return new CaptureReservationResult(new CaptureReservation(host, null, null, metrics.CaptureReservationHeld), CaptureRefusal.None);
            }
            var order = PlacementOrder(scrapers.Live, _freePages, options.CurrentValue.Placement, Interlocked.Increment(ref _rotation));
            foreach (var scraper in order)
            {
                if (await semaphore.TryAcquireAsync(ScraperRegistry.PageResource(scraper.Url), scraper.Pages, ct) is { } page)
                {
                    var reservation = new CaptureReservation(host, page, new Uri(scraper.Url), metrics.CaptureReservationHeld);
                    host = null; // the reservation owns it now
                    return new CaptureReservationResult(reservation, CaptureRefusal.None);
                }
            }
            metrics.CaptureReservationRefused("no-page");
            return CaptureReservationResult.Refused(CaptureRefusal.NoPage);
        }
        finally
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The replicas to try for a page, in order, from the free pages last seen (a replica not seen counts as all free):
    /// <see cref="ScraperPlacement.Pack"/> the busiest with a free page first (ties in the registry's order), then the full
    /// ones; <see cref="ScraperPlacement.Spread"/> the most free pages first (ties in turn from <paramref name="rotation"/>).
    /// The counts can be stale: a replica that turns out full is passed over by its semaphore. Replicas advertising no
    /// page are left out.
    /// </summary>
    internal static IEnumerable<ScraperCapacity> PlacementOrder(
        IReadOnlyList<ScraperCapacity> live, IReadOnlyDictionary<string, int> freePages, ScraperPlacement placement, int rotation)
    {
        var pack = placement == ScraperPlacement.Pack;
        return live
            .Select((s, i) => (Scraper: s, Free: freePages.GetValueOrDefault(s.Url, s.Pages), Turn: pack ? i : (int)((uint)(i + rotation) % (uint)live.Count)))
            .Where(x => x.Scraper.Pages > 0)
            .OrderBy(x => pack ? (x.Free > 0 ? x.Free : int.MaxValue) : -x.Free)
            .ThenBy(x => x.Turn)
            .Select(x => x.Scraper)
            .ToList();
    }

    private static string HostResource(string targetServer) =>
        System.Net.IPAddress.TryParse(targetServer, out var address) ? TargetServer.PolitenessResource(address) : $"host:{targetServer}";

    /// <summary>The live Scraper replicas, re-read from the registry at most every RegistryRefreshMs.</summary>
    private async Task<Scrapers> ScrapersAsync(CancellationToken ct)
    {
        var current = _scrapers;
        var refresh = TimeSpan.FromMilliseconds(options.CurrentValue.RegistryRefreshMs);
        if (time.GetElapsedTime(current.ReadAt) < refresh && current.ReadAt != 0)
        {
            return current;
        }
        await _refresh.WaitAsync(ct);
        try
        {
            if (_scrapers != current)
            {
                return _scrapers; // another caller refreshed it meanwhile
            }
            try
            {
                var entries = await Registry.ReadLiveAsync(redis.GetDatabase(), ScraperRegistry.StaleAfter).WaitAsync(ct);
                var live = entries.Values
                    .Select(e => JsonSerializer.Deserialize<ScraperCapacity>(e, JsonSerializerOptions.Web))
                    .OfType<ScraperCapacity>()
                    .Where(s => Uri.IsWellFormedUriString(s.Url, UriKind.Absolute))
                    .OrderBy(s => s.Url, StringComparer.Ordinal)
                    .ToList();
                _scrapers = new Scrapers(live, live.Count == 0 ? options.CurrentValue.PerHostConcurrency : live.Min(s => s.PerHostConcurrency), time.GetTimestamp());
            }
            catch (Exception e) when (RedisFailures.IsFailure(e) || e is JsonException)
            {
                // Unreadable now: keep the last list a little longer; the semaphores themselves decide (and throw when down).
                logger.LogDebug(e, "Scraper registry not read; keeping {Count} known replicas.", current.Live.Count);
                _scrapers = current with { ReadAt = time.GetTimestamp() };
            }
            return _scrapers;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed record Scrapers(IReadOnlyList<ScraperCapacity> Live, int PerHostConcurrency, long ReadAt)
    {
        public static readonly Scrapers Empty = new([], 2, 0);
    }
}
