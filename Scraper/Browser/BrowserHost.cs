using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Platform.Scraper.Capture;
using Platform.Scraper.Diagnostics;

namespace Platform.Scraper.Browser;

/// <summary>
/// Owns this replica's one Chromium, launched through Playwright and kept warm. Captures take a <see cref="BrowserLease"/>
/// on the current <see cref="BrowserGeneration"/>. A generation that crashes is replaced at once (its captures fail as
/// transient); one that reached its capture budget or memory threshold is retired: new captures go to a fresh browser and
/// the old one closes when its last capture ends; one that stops answering (hung, stopped) is killed and replaced. At most
/// two generations exist at a time (current + one draining).
/// Owner of the launch lock, the memory sampling loop and the responsiveness probe loop (both cancelled on stop).
/// </summary>
public sealed class BrowserHost : IHostedService, IAsyncDisposable
{
    private readonly IOptionsMonitor<BrowserOptions> _options;
    private readonly ScraperMetrics _metrics;
    private readonly EgressProxy _egress;
    private readonly ILogger<BrowserHost> _logger;
    private readonly SemaphoreSlim _launchLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<BrowserGeneration> _draining = [];
    private readonly CancellationTokenSource _stopping = new();
    private IPlaywright? _playwright;
    private BrowserGeneration? _current;
    private Task? _monitor;
    private Task? _watchdog;
    private Task _warmUp = Task.CompletedTask;
    private int _generationCounter;
    private long _restarts;
    private long _memoryBytes;
    private long _peakMemoryBytes;
    private int _samplesSinceProportionalRead = ProportionalReadEvery - 1; // only the memory monitor's loop touches it

    public BrowserHost(IOptionsMonitor<BrowserOptions> options, ScraperMetrics metrics, EgressProxy egress, ILogger<BrowserHost> logger)
    {
        _options = options;
        _metrics = metrics;
        _egress = egress;
        _logger = logger;
        metrics.ObserveBrowser(() => Interlocked.Read(ref _memoryBytes), () => Volatile.Read(ref _generationCounter));
    }

    public IBrowser? Browser => Volatile.Read(ref _current)?.Browser;

    public bool IsConnected => Volatile.Read(ref _current)?.Browser.IsConnected == true;

    public BrowserStats Stats
    {
        get
        {
            var current = Volatile.Read(ref _current);
            int draining;
            lock (_gate)
            {
                draining = _draining.Count;
            }
            return new BrowserStats(current?.Id, current?.ProcessId, current?.CapturesStarted ?? 0, current?.InFlight ?? 0, draining,
                Interlocked.Read(ref _restarts), Interlocked.Read(ref _memoryBytes), Interlocked.Read(ref _peakMemoryBytes), current?.Browser.Version);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _playwright = await Playwright.CreateAsync();
        await EnsureLaunchedAsync(cancellationToken);
        _monitor = MonitorMemoryAsync(_stopping.Token);
        _watchdog = WatchResponsivenessAsync(_stopping.Token);
    }

    /// <summary>The browser new captures go to, if one is running.</summary>
    public BrowserGeneration? Current => Volatile.Read(ref _current);

    /// <summary>A lease on a connected browser for one capture; dispose it when the capture's context is closed.</summary>
    public async Task<BrowserLease> AcquireAsync(CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var generation = Volatile.Read(ref _current);
            if (generation is not null && generation.TryEnter(out var budgetSpent))
            {
                if (budgetSpent)
                {
                    Retire(generation, "captures");
                }
                return new BrowserLease(this, generation);
            }
            await EnsureLaunchedAsync(ct);
        }
    }

    private async Task EnsureLaunchedAsync(CancellationToken ct)
    {
        await _launchLock.WaitAsync(ct);
        try
        {
            if (Volatile.Read(ref _current) is { IsActive: true })
            {
                return;
            }
            ObjectDisposedException.ThrowIf(_playwright is null, this);
            var o = _options.CurrentValue;
            var marker = Guid.NewGuid().ToString("N");
            var launch = new BrowserTypeLaunchOptions
            {
                ExecutablePath = o.ExecutablePath,
                Headless = o.Headless,
                // Playwright passes --no-sandbox unless told otherwise: renderers run hostile pages, so the sandbox is on.
                ChromiumSandbox = true,
                Timeout = o.LaunchTimeoutMs,
                Args = [.. ChromiumArguments(), .. EgressArguments(_egress.Address), ChromiumProcessTree.MarkerArgument(marker)],
            };
            if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
            {
                SandboxUser.Apply(launch, o);
            }
            var browser = await _playwright.Chromium.LaunchAsync(launch);
            var generation = new BrowserGeneration(Interlocked.Increment(ref _generationCounter), browser, o.MaxCapturesPerBrowser,
                ChromiumProcessTree.FindBrowserProcess(marker));
            browser.Disconnected += (_, _) => OnDisconnected(generation);
            Volatile.Write(ref _current, generation);
            _logger.LogInformation("Chromium {Version} generation {Generation} launched from {Path} (pid {Pid})",
                browser.Version, generation.Id, o.ExecutablePath, generation.ProcessId);
        }
        finally
        {
            _launchLock.Release();
        }
    }

    /// <summary>Never <c>--no-sandbox</c>: as root, Chromium is started as <see cref="BrowserOptions.SandboxUser"/> instead.</summary>
    public static IReadOnlyList<string> ChromiumArguments() =>
    [
        "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--disable-gpu",
        // WebRTC can reach addresses the request interceptor never sees; keep it off the local network.
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        $"--disable-features={string.Join(',', DisabledFeatures)}",
        RenderersNice,
    ];

    /// <summary>
    /// Renderers start at nice 5: the zygote they are forked from is started through <c>nice</c>. Chromium run as root
    /// lowers its renderers' main threads to nice 5 itself, and raises their display threads (compositor, IO) to -8 and the
    /// renderer in the foreground and the GPU process to 0; as any other user it does none of that
    /// (it asks for root or <c>RLIMIT_NICE</c>, not the capability). As the sandbox user the browser keeps
    /// <c>CAP_SYS_NICE</c> and is told <c>RLIMIT_NICE</c> allows it (Browser/nice-limit.c, preloaded by the wrapper), so it
    /// raises what it should from here; without both its Chromium costs ~1.2–1.4× the CPU per page at 4 captures at once
    /// (docs/benchmarks.md).
    /// </summary>
    public const string RenderersNice = "--zygote-cmd-prefix=/usr/bin/nice -n 5";

    /// <summary>
    /// Chromium keeps only the last <c>--disable-features</c> it is given, and Playwright passes its own list first, so ours
    /// repeats Playwright's (ChromiumSandboxTests reads the launched browser's command line and fails when Playwright adds one)
    /// and adds <c>SpareRendererForSitePerProcess</c>: after each navigation Chromium starts a spare renderer for the next,
    /// bound to that context, and every capture opens a new context that cannot use it — a renderer started and thrown away
    /// per page (~15 % of Chromium's CPU per page at 4 captures at once, docs/benchmarks.md).
    /// </summary>
    private static readonly string[] DisabledFeatures =
    [
        // Playwright 1.64's own list (chromiumSwitches.ts).
        "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "DialMediaRouteProvider", "GlobalMediaControls",
        "HttpsUpgrades", "LensOverlay", "MediaRouter", "PaintHolding", "ThirdPartyStoragePartitioning",
        "BlockOriginHeaderModificationOnRedirect", "AvoidCorsURLLoaderRestartOnRedirect", "Translate", "AutoDeElevate",
        "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled", "msForceBrowserSignIn",
        "msEdgeUpdateLaunchServicesPreferredVersion",
        // Ours.
        "SpareRendererForSitePerProcess",
    ];

    /// <summary>All traffic, loopback included (Chromium bypasses proxies for loopback unless told not to), via the egress proxy.</summary>
    public static IReadOnlyList<string> EgressArguments(Uri proxy) => [$"--proxy-server={proxy.GetLeftPart(UriPartial.Authority)}", "--proxy-bypass-list=<-loopback>"];

    private void OnDisconnected(BrowserGeneration generation)
    {
        var wasCurrent = Interlocked.CompareExchange(ref _current, null, generation) == generation;
        var unexpected = generation.MarkDead();
        lock (_gate)
        {
            _draining.Remove(generation);
        }
        if (unexpected && !_stopping.IsCancellationRequested)
        {
            _logger.LogWarning("Chromium generation {Generation} disconnected with {InFlight} captures in flight; relaunching", generation.Id, generation.InFlight);
            Interlocked.Increment(ref _restarts);
            _metrics.BrowserRestarted("crash");
            if (wasCurrent)
            {
                WarmUp();
            }
        }
    }

    /// <summary>Stops giving out <paramref name="generation"/>; it closes when its last capture ends, and a fresh one is launched now.</summary>
    private void Retire(BrowserGeneration generation, string reason, string? detail = null)
    {
        if (!generation.MarkRetiring())
        {
            return;
        }
        Interlocked.CompareExchange(ref _current, null, generation);
        lock (_gate)
        {
            _draining.Add(generation);
        }
        Interlocked.Increment(ref _restarts);
        _metrics.BrowserRestarted(reason);
        _logger.LogInformation("Retiring Chromium generation {Generation} ({Reason}{Detail}) after {Captures} captures",
            generation.Id, reason, detail is null ? "" : ": " + detail, generation.CapturesStarted);
        WarmUp();
        if (generation.InFlight == 0)
        {
            _ = CloseAsync(generation);
        }
    }

    private void WarmUp()
    {
        // Keep a browser ready so the next capture does not pay for the launch; failures surface on the next AcquireAsync.
        lock (_gate)
        {
            if (_warmUp.IsCompleted && !_stopping.IsCancellationRequested)
            {
                _warmUp = Task.Run(async () =>
                {
                    try
                    {
                        await EnsureLaunchedAsync(_stopping.Token);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _logger.LogError(e, "Chromium relaunch failed; the next capture will try again");
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            }
        }
    }

    internal void Release(BrowserGeneration generation)
    {
        if (generation.Exit() == 0 && generation.IsRetiring)
        {
            _ = CloseAsync(generation);
        }
    }

    private async Task CloseAsync(BrowserGeneration generation)
    {
        if (!generation.MarkClosing())
        {
            return;
        }
        try
        {
            await generation.Browser.CloseAsync();
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Closing Chromium generation {Generation} failed", generation.Id);
        }
        lock (_gate)
        {
            _draining.Remove(generation);
        }
    }

    /// <summary>
    /// Asks the current browser a trivial CDP question, one at a time, and gives each probe a
    /// <see cref="BrowserOptions.ProbeIntervalMs"/> per tick to be answered; a slow answer still counts when it comes. A
    /// browser whose probe stays unanswered for <see cref="BrowserOptions.UnresponsiveAfterMs"/> is replaced: its captures
    /// then fail as transient instead of waiting for their hard timeout, and the next ones get a fresh browser. Silence is
    /// counted in ticks this process was awake for, so a pause of the whole Scraper (its browser with it) is not a hang.
    /// </summary>
    private async Task WatchResponsivenessAsync(CancellationToken ct)
    {
        var interval = TimeSpan.FromMilliseconds(_options.CurrentValue.ProbeIntervalMs);
        using var timer = new PeriodicTimer(interval);
        BrowserGeneration? watched = null;
        Task? probe = null;
        var silentTicks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var generation = Volatile.Read(ref _current);
                if (generation is null || !generation.IsActive)
                {
                    continue;
                }
                if (generation != watched)
                {
                    (watched, probe, silentTicks) = (generation, null, 0);
                }
                probe ??= generation.ProbeAsync();
                if (await Task.WhenAny(probe, Task.Delay(interval, ct)) == probe)
                {
                    (probe, silentTicks) = (null, 0); // answered (or the browser is gone, which its Disconnected handler deals with)
                    continue;
                }
                var silent = interval * ++silentTicks;
                if (silent >= TimeSpan.FromMilliseconds(_options.CurrentValue.UnresponsiveAfterMs))
                {
                    ReplaceUnresponsive(generation, silent);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Kills a hung generation's whole process tree (a stopped process takes SIGKILL too) and launches a fresh one.</summary>
    private void ReplaceUnresponsive(BrowserGeneration generation, TimeSpan silent)
    {
        if (!generation.MarkUnresponsive())
        {
            return; // crashed or closed meanwhile
        }
        Interlocked.CompareExchange(ref _current, null, generation);
        Interlocked.Increment(ref _restarts);
        _metrics.BrowserRestarted("unresponsive");
        _logger.LogWarning("Chromium generation {Generation} (pid {Pid}) answered nothing for {Silent:F1} s with {InFlight} captures in flight; killing and relaunching it",
            generation.Id, generation.ProcessId, silent.TotalSeconds, generation.InFlight);
        if (generation.ProcessId is { } pid)
        {
            ChromiumProcessTree.Kill(pid);
        }
        else
        {
            _ = generation.Browser.CloseAsync(); // Playwright kills what it launched when the close gets no answer
        }
        WarmUp();
    }

    private async Task MonitorMemoryAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.CurrentValue.MemorySampleIntervalMs));
        try
        {
            do
            {
                SampleMemory();
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads the process trees' memory; retires the current browser when it passed the threshold.</summary>
    public long SampleMemory()
    {
        try
        {
            List<BrowserGeneration> generations;
            lock (_gate)
            {
                generations = [.. _draining];
            }
            var current = Volatile.Read(ref _current);
            long currentBytes = current?.ProcessId is { } pid ? ChromiumProcessTree.TreeResidentBytes(pid) : 0;
            var total = currentBytes + generations.Sum(g => g.ProcessId is { } p ? ChromiumProcessTree.TreeResidentBytes(p) : 0);
            Interlocked.Exchange(ref _memoryBytes, total);
            if (total > Interlocked.Read(ref _peakMemoryBytes))
            {
                Interlocked.Exchange(ref _peakMemoryBytes, total);
            }
            if (current?.ProcessId is { } currentPid && OverMemoryCeiling(currentPid, currentBytes, _options.CurrentValue.MaxTreeMemoryMb * 1024L * 1024L) is { } proportional)
            {
                Retire(current, "memory", $"{proportional / 1048576} MiB proportional, {currentBytes / 1048576} MiB resident summed over its processes");
            }
            return total;
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Sampling Chromium memory failed");
            return 0;
        }
    }

    /// <summary>
    /// The ceiling is on the tree's proportional size (PSS), what it really costs the machine; the resident sizes summed
    /// count every shared page once per process (~960 MiB summed for ~250 MiB of PSS, sampled through a benchmark run at 4
    /// at once) and retired a browser after 428 captures on a peak past 2 GiB. The summed resident size is never less
    /// than PSS, so while it is under the ceiling PSS is too and is not read (it costs ~1.5 ms of CPU per process); over
    /// it, PSS is read at most once per <see cref="ProportionalReadEvery"/> samples. Returns the PSS when it is over the
    /// ceiling.
    /// </summary>
    internal long? OverMemoryCeiling(int browserPid, long residentBytes, long ceilingBytes)
    {
        if (residentBytes <= ceilingBytes)
        {
            _samplesSinceProportionalRead = ProportionalReadEvery - 1; // the first sample over the ceiling reads PSS
            return null;
        }
        if (++_samplesSinceProportionalRead < ProportionalReadEvery)
        {
            return null;
        }
        _samplesSinceProportionalRead = 0;
        var proportional = ChromiumProcessTree.TreeProportionalBytes(browserPid);
        return proportional > ceilingBytes ? proportional : null;
    }

    /// <summary>With the summed resident size over the ceiling, PSS is read every this many samples (10 s at the default 2 s).</summary>
    internal const int ProportionalReadEvery = 5;

    public void ResetPeakMemory() => Interlocked.Exchange(ref _peakMemoryBytes, Interlocked.Read(ref _memoryBytes));

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        _stopping.Cancel();
        if (_monitor is not null)
        {
            await _monitor;
        }
        if (_watchdog is not null)
        {
            await _watchdog;
        }
        await _warmUp.ContinueWith(_ => { }, TaskScheduler.Default);
        List<BrowserGeneration> all;
        lock (_gate)
        {
            all = [.. _draining];
            _draining.Clear();
        }
        if (Interlocked.Exchange(ref _current, null) is { } current)
        {
            all.Add(current);
        }
        foreach (var generation in all)
        {
            generation.MarkClosing();
            try
            {
                await generation.Browser.CloseAsync();
            }
            catch (PlaywrightException)
            {
            }
        }
        _playwright?.Dispose();
        _playwright = null;
    }
}
