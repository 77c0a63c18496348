using Platform.Coordination;

namespace Platform.Api.Formats;

/// <summary>
/// What a URL job's capture needs before the dispatcher may claim it (DESIGN: "a job is claimed only when it can run
/// now"): its target server's politeness slot and a browser page. The dispatcher asks <see cref="ViewAsync"/> which
/// targets to skip in a round, then <see cref="TryReserveAsync"/> for the job it is about to claim, and hands the
/// reservation to the capture, which releases it when the capture ends. Api/Capture implements it over the Scraper.
/// </summary>
public interface ICaptureCapacity
{
    /// <summary>Which of <paramref name="targetServers"/> are at their politeness limit now, and whether any page is free.</summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable: no capture can be reserved now.</exception>
    Task<CaptureCapacityView> ViewAsync(IReadOnlyCollection<string> targetServers, CancellationToken ct);

    /// <summary>Reserves the politeness slot of <paramref name="targetServer"/> (none when null: unknown target) and a page.</summary>
    /// <exception cref="CoordinationUnavailableException">Redis is unreachable: no capture can be reserved now.</exception>
    Task<CaptureReservationResult> TryReserveAsync(string? targetServer, CancellationToken ct);
}

/// <param name="FreeHostSlots">Free politeness slots of each target server asked about (0: full).</param>
/// <param name="FreePages">Free pages over all Scraper replicas; null when unknown (no replica advertises): not limited here.</param>
public sealed record CaptureCapacityView(IReadOnlyDictionary<string, int> FreeHostSlots, int? FreePages)
{
    public static readonly CaptureCapacityView Unlimited = new(new Dictionary<string, int>(), null);

    /// <summary>Target servers whose politeness slots are all held.</summary>
    public IReadOnlySet<string> FullServers { get; } = FreeHostSlots.Where(s => s.Value <= 0).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>False when every page of every Scraper replica is reserved.</summary>
    public bool PageFree => FreePages is null or > 0;
}

/// <summary>Why a capture cannot start now; the job stays queued and burns nothing.</summary>
public enum CaptureRefusal
{
    None,
    /// <summary>Its target server is at its politeness limit.</summary>
    HostFull,
    /// <summary>No Scraper replica has a free page.</summary>
    NoPage,
}

public sealed record CaptureReservationResult(CaptureReservation? Reservation, CaptureRefusal Refusal)
{
    public static CaptureReservationResult Refused(CaptureRefusal why) => new(null, why);
}

/// <summary>
/// The leases a claimed capture holds: its target server's politeness slot and a page of one Scraper replica (whose URL
/// the capture is sent to). Owned by the job's run; renewed by Coordination while held; released when the capture ends
/// or the run does (idempotent). <see cref="Lost"/> fires when either lease can no longer be guaranteed.
/// </summary>
public sealed class CaptureReservation : IAsyncDisposable
{
    private readonly CancellationTokenSource? _lost;
    private readonly Action<string, int>? _held;
    private SemaphoreLease? _page;
    private int _released;

    /// <param name="held">Told (kind, ±1) when a lease is taken over and when it is released, for the reservations-held metric.</param>
    public CaptureReservation(SemaphoreLease? host, SemaphoreLease? page, Uri? scraper, Action<string, int>? held = null)
    {
        Host = host;
        _page = page;
        Scraper = page is null ? null : scraper;
        _held = held;
        var tokens = new[] { host?.LeaseLost, page?.LeaseLost }.OfType<CancellationToken>().Where(t => t.CanBeCanceled).ToArray();
        _lost = tokens.Length == 0 ? null : CancellationTokenSource.CreateLinkedTokenSource(tokens);
        Report(+1);
    }

    /// <summary>No leases at all: where nothing needs reserving (no capture service, or a test double).</summary>
    public static CaptureReservation None => new(null, null, null);

    public SemaphoreLease? Host { get; }

    /// <summary>The Scraper replica whose page is reserved; null: send through service discovery (no page reserved).</summary>
    public Uri? Scraper { get; private set; }

    public CancellationToken Lost => _lost?.Token ?? CancellationToken.None;

    public bool IsReleased => Volatile.Read(ref _released) == 1;

    /// <summary>Gives up the page (its replica could not be reached): the next try goes through service discovery.</summary>
    public async ValueTask ReleasePageAsync()
    {
        if (Interlocked.Exchange(ref _page, null) is { } page)
        {
            Scraper = null;
            _held?.Invoke("page", -1);
            await page.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 1)
        {
            return;
        }
        await ReleasePageAsync();
        if (Host is not null)
        {
            _held?.Invoke("host", -1);
            await Host.DisposeAsync();
        }
        _lost?.Dispose();
    }

    private void Report(int delta)
    {
        if (Host is not null)
        {
            _held?.Invoke("host", delta);
        }
        if (_page is not null)
        {
            _held?.Invoke("page", delta);
        }
    }
}

/// <summary>Registered only when no capture implementation is: nothing to reserve (captures fail with <see cref="UnavailableCaptureService"/>).</summary>
public sealed class UnlimitedCaptureCapacity : ICaptureCapacity
{
    public Task<CaptureCapacityView> ViewAsync(IReadOnlyCollection<string> targetServers, CancellationToken ct) =>
        Task.FromResult(CaptureCapacityView.Unlimited);

    public Task<CaptureReservationResult> TryReserveAsync(string? targetServer, CancellationToken ct) =>
        Task.FromResult(new CaptureReservationResult(CaptureReservation.None, CaptureRefusal.None));
}
