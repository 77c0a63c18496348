using Platform.Bench;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Platform.Fixtures;
using Platform.Peers.Bench;
using Platform.Testing;

// Platform beside its peers, in one run, on one machine (issue 11, item 4). Figures, not assertions.
//   dotnet run -c Release --project bench/Peers.Bench -- [--quick] [--pages 200] [--rounds 1] [--out docs/benchmarks]
// 1. Captures of a 200-page local site (150 ms per page, HTML + full-page PNG) at concurrency 1 and 4: Platform through its
//    public API against plain Playwright for .NET on the same Chromium (warm browser + new context per capture, and a
//    browser per capture), and the warm browser again with the Scraper's flags.
//    --only capture-variants: the warm pool with each of the Scraper's differences alone (no app started); --variants a,b
//    runs only those whose names contain one of the words (the first, the baseline, always runs).
// 2. No-op job throughput and submit→start latency: Platform's job engine against Hangfire on the same PostgreSQL.
// 3. Semaphore acquire latency: Platform's Redis semaphore against DistributedLock.Redis on the same Redis.
// Writes results.csv and SVG charts into --out (default artifacts/peers-bench). --only capture,jobs,semaphore runs those parts.
var quick = args.Contains("--quick");
var only = ArgumentText("--only", "capture,jobs,semaphore").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
var pageCount = Math.Clamp(Argument("--pages", quick ? 6 : FixtureSite.SitePages), 1, FixtureSite.SitePages);
var noOpUsers = quick ? 10 : 100;
const int jobsPerUser = 8; // Platform admits 3 running + 5 queued per user
var idleJobs = quick ? 8 : 50;
const int inFlight = 16;
const int WarmUpRounds = 12; // × 4 Platform captures: past the runtime's 30 calls before a method is recompiled optimised
const int pageLatencyMs = 150;
const int apiReplicas = 2;
const int executorSlotsPerReplica = 8; // JobLimits:ExecutorSlotsPerReplica, the default
var outDir = Path.GetFullPath(ArgumentText("--out", Path.Combine("artifacts", "peers-bench")));
Directory.CreateDirectory(outDir);

var loadAtStart = Stats.LoadAverage();
var startedAt = DateTime.UtcNow;
Console.WriteLine($"Peers benchmark{(quick ? " (--quick)" : "")}: {Environment.ProcessorCount} cores, load average {loadAtStart}, {startedAt:yyyy-MM-dd HH:mm} UTC");

await using var site = await FixtureSite.StartAsync();
var pages = Enumerable.Range(0, pageCount).Select(i => site.SitePage(i, pageLatencyMs, i % site.Hosts.Count)).ToList();
if (only.SequenceEqual(["capture-variants"]))
{
    await CaptureVariants.RunAsync(pages, 4, Argument("--rounds", 2), ArgumentText("--variants", ""));
    return 0;
}

Console.WriteLine($"Starting Platform: {apiReplicas} Api replicas, 2 Scrapers, gateway, Redis + PostgreSQL…");
var options = new PlatformAppOptions { ApiReplicas = apiReplicas, ScraperReplicas = 2, StartupTimeout = TimeSpan.FromMinutes(6) };
// The site is on 127.0.0.x: both the Api's URL check and the Scraper's egress must allow private networks.
options.ApiEnvironment["Capture__AllowPrivateNetworks"] = "true";
options.ScraperEnvironment["Capture__AllowPrivateNetworks"] = "true";
// --placement pack|spread: which Scraper replica the dispatcher reserves a page on (Scraper:Placement; the Api's default otherwise).
if (ArgumentText("--placement", "") is { Length: > 0 } placement)
{
    options.ApiEnvironment["Scraper__Placement"] = placement;
    Console.WriteLine($"Scraper placement: {placement}");
}
// --scraper-env / --api-env KEY=VALUE[,KEY=VALUE]: settings for one run (e.g. Browser__MaxCapturesPerBrowser=2000), printed.
foreach (var (argument, environment) in new[] { ("--scraper-env", options.ScraperEnvironment), ("--api-env", options.ApiEnvironment) })
{
    foreach (var pair in ArgumentText(argument, "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var (key, value) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
        environment[key] = value;
        Console.WriteLine($"{argument[2..]}: {key}={value}");
    }
}
await using var app = await PlatformApp.StartAsync(options);
Console.WriteLine($"Ready in {app.StartupDuration.TotalSeconds:0.0} s at {app.GatewayUrl}");
// What the app costs doing nothing (heartbeats, polls, the orchestrator), the floor under every figure below.
using (var idleCpu = ProcessCpu.Snapshot(app.Tag))
{
    await Task.Delay(TimeSpan.FromSeconds(10));
    Console.WriteLine($"Idle for 10 s: {idleCpu.Describe(10, "second")}");
}

var results = new Results();

// 1. Captures.
if (only.Contains("capture"))
{
    var captureUsers = await Task.WhenAll((await RegisterAsync("capture", 4)).Select(u => LiveUser.ConnectAsync(u.Http, u.Cookies)));
    Console.WriteLine();
    Console.WriteLine($"Captures: {pageCount} pages per run, {pageLatencyMs} ms server latency each, HTML + full-page PNG");
    using var playwright = await Playwright.CreateAsync();
    await using var warmBrowser = await CaptureBench.LaunchAsync(playwright);
    await using var tunedBrowser = await CaptureBench.LaunchAsync(playwright, scraperFlags: true);
    // Warm-up of every mode (the Scrapers' first Chromium launch, connection pools, and the JIT: a service's hot paths
    // are compiled again at higher tiers after some calls, seconds of CPU the first minute), not counted.
    for (var round = 0; round < WarmUpRounds; round++)
    {
        await Task.WhenAll(captureUsers.Select((user, i) => CaptureBench.CaptureThroughApiAsync(user, site.SitePage(round * captureUsers.Length + i, 0, i % site.Hosts.Count))));
        await CaptureBench.CaptureInNewContextAsync(warmBrowser, site.SitePage(round));
        await CaptureBench.CaptureInNewContextAsync(tunedBrowser, site.SitePage(round));
    }
    await CaptureBench.CaptureInNewBrowserAsync(playwright, site.SitePage(0));
    await ProcessCpu.WaitQuietAsync(app.Tag); // the background recompilation the warm-up triggered
    var captureRuns = new List<CaptureRun>();
    // --rounds N: the pages are split into N rounds, each running every mode on its share, so a drift in the machine's load
    // over the run (it rises as Chromium's processes come and go) falls on every mode alike; each mode's figures are then
    // summed over its rounds. The orders form a balanced Latin square (Stats.RoundOrder): over every `modes` rounds each
    // mode runs once in each place and once right after each other mode, so none always follows the heaviest peer (a
    // plain rotation put Platform after browser-per-capture in every round). 1 (the default) runs each mode once, in
    // this order.
    var rounds = Math.Clamp(Argument("--rounds", 1), 1, pages.Count);
    foreach (var concurrency in new[] { 1, 4 })
    {
        // Each Platform worker is its own user: the per-user limit (3 running) is not what is measured here.
        var platformCaptures = new System.Collections.Concurrent.ConcurrentBag<PlatformCapture>();
        var modes = new (string Subject, Func<int, Uri, Task> Capture)[]
        {
            (CaptureBench.Platform, async (worker, url) => platformCaptures.Add(await CaptureBench.CaptureThroughApiAsync(captureUsers[worker], url))),
            (CaptureBench.WarmPool, (_, url) => CaptureBench.CaptureInNewContextAsync(warmBrowser, url)),
            (CaptureBench.WarmPoolScraperFlags, (_, url) => CaptureBench.CaptureInNewContextAsync(tunedBrowser, url)),
            (CaptureBench.BrowserPerCapture, (_, url) => CaptureBench.CaptureInNewBrowserAsync(playwright, url)),
        };
        var byMode = modes.ToDictionary(m => m.Subject, _ => new List<CaptureRun>());
        for (var round = 0; round < rounds; round++)
        {
            var (from, to) = (round * pages.Count / rounds, (round + 1) * pages.Count / rounds);
            var share = pages.Take(from..to).ToList();
            if (rounds > 1)
            {
                Console.WriteLine($"  round {round + 1} of {rounds} (×{concurrency}, {share.Count} pages each, load average {Stats.LoadAverage()})");
            }
            foreach (var m in Stats.RoundOrder(modes.Length, round))
            {
                var (subject, capture) = modes[m];
                byMode[subject].Add(await CaptureBench.RunAsync(subject, concurrency, share, app.Tag, capture));
            }
        }
        await PhaseProfile.PrintAsync($"c{concurrency}", app.PostgresConnectionString, app.Scraper.Select(s => s.Url!), platformCaptures);
        foreach (var (subject, _) in modes)
        {
            captureRuns.Add(CaptureRun.Sum(byMode[subject], rounds > 1));
        }
    }
    foreach (var run in captureRuns)
    {
        results.Add("capture", $"pages/min c{run.Concurrency}", run.Subject, run.PerMinute, "pages/min");
        results.Add("capture", $"p50 c{run.Concurrency}", run.Subject, run.P50, "ms");
        results.Add("capture", $"p95 c{run.Concurrency}", run.Subject, run.P95, "ms");
        results.Add("capture", $"failures c{run.Concurrency}", run.Subject, run.Failures, "pages");
    }
}

// 2. Job engines.
if (only.Contains("jobs"))
{
    Console.WriteLine();
    var workers = apiReplicas * executorSlotsPerReplica;
    Console.WriteLine($"Job engines: {noOpUsers * jobsPerUser} no-op jobs, {inFlight} submits in flight, {workers} workers each; {idleJobs} one at a time with free capacity");
    var noOpSessions = (await RegisterAsync("noop", noOpUsers)).Select(u => u.Http).ToList();
    foreach (var run in new[]
    {
        await JobsBench.RunPlatformAsync(noOpSessions, jobsPerUser, inFlight, idleJobs, app.PostgresConnectionString, app.Tag),
        await JobsBench.RunHangfireAsync(app.PostgresConnectionString, workers, noOpUsers * jobsPerUser, inFlight, idleJobs, app.Tag),
    })
    {
        results.Add("jobs", "no-op throughput", run.Subject, run.PerSecond, "jobs/s");
        results.Add("jobs", "submit→start p50 idle", run.Subject, Stats.Percentile(run.IdleStartMs, 0.5), "ms");
        results.Add("jobs", "submit→start p99 idle", run.Subject, Stats.Percentile(run.IdleStartMs, 0.99), "ms");
        results.Add("jobs", "submit→start p50 loaded", run.Subject, Stats.Percentile(run.LoadedStartMs, 0.5), "ms");
        results.Add("jobs", "submit→start p99 loaded", run.Subject, Stats.Percentile(run.LoadedStartMs, 0.99), "ms");
    }
}

// 3. Semaphores.
if (only.Contains("semaphore"))
{
    Console.WriteLine();
    const int slots = 4;
    const int callers = 16;
    var hold = TimeSpan.FromMilliseconds(5);
    Console.WriteLine($"Semaphores: count {slots}; uncontended = 1 caller; contended = {callers} callers holding {hold.TotalMilliseconds:0} ms each");
    foreach (var run in await SemaphoreBench.RunAsync(app.RedisConnectionString, slots, quick ? 200 : 2000, callers, quick ? 20 : 100, hold))
    {
        results.Add("semaphore", $"acquire p50 {run.Mode}", run.Subject, Stats.Percentile(run.SortedAcquireMs, 0.5), "ms");
        results.Add("semaphore", $"acquire p99 {run.Mode}", run.Subject, Stats.Percentile(run.SortedAcquireMs, 0.99), "ms");
        results.Add("semaphore", $"cycles/s {run.Mode}", run.Subject, run.PerSecond, "cycles/s");
    }
}

var loadAtEnd = Stats.LoadAverage();
results.WriteCsv(Path.Combine(outDir, "results.csv"));
Summary.Print(results, quick, pageCount, loadAtStart, loadAtEnd, startedAt);
Summary.WriteCharts(results, outDir);
Console.WriteLine($"Wrote {Path.Combine(outDir, "results.csv")} and the charts beside it.");
return 0;

async Task<List<(HttpClient Http, CookieContainer Cookies)>> RegisterAsync(string prefix, int count) => await Stats.ForEachAsync(Enumerable.Range(0, count), 8, async i =>
{
    var cookies = new CookieContainer();
    var http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, MaxConnectionsPerServer = 4 })
    {
        BaseAddress = app.GatewayUrl,
    };
    // Registering answers 202 whether or not the address was taken, and signs nobody in: sign in after.
    var account = new { email = $"{prefix}-{i}-{Guid.NewGuid():N}@bench.test", password = "Passw0rd!" };
    using (var registered = await http.PostAsJsonAsync("/api/account/register", account))
    {
        registered.EnsureSuccessStatusCode();
    }
    using var signedIn = await http.PostAsJsonAsync("/api/account/login", account);
    signedIn.EnsureSuccessStatusCode();
    return (http, cookies);
});

int Argument(string name, int fallback) => int.TryParse(ArgumentText(name, ""), out var value) ? value : fallback;

string ArgumentText(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
