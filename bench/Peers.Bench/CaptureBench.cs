extern alias scraper;
using Platform.Bench;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using BrowserHost = scraper::Platform.Scraper.Browser.BrowserHost;

namespace Platform.Peers.Bench;

/// <summary>One capture mode at one concurrency: how many pages, how long, and each page's latency.</summary>
internal sealed record CaptureRun(string Subject, int Concurrency, int Pages, TimeSpan Elapsed, IReadOnlyList<double> SortedLatenciesMs, int Failures)
{
    /// <summary>CPU seconds by role while the run lasted (the app's processes and the benchmark's own).</summary>
    public IReadOnlyList<(string Role, double Seconds)> Cpu { get; init; } = [];

    public double PerMinute => (Pages - Failures) / Elapsed.TotalMinutes;

    public double P50 => Stats.Percentile(SortedLatenciesMs, 0.50);

    public double P95 => Stats.Percentile(SortedLatenciesMs, 0.95);

    /// <summary>One mode's rounds as one run: their pages, time and latencies together (printed when there were several).</summary>
    public static CaptureRun Sum(IReadOnlyList<CaptureRun> rounds, bool print)
    {
        var first = rounds[0];
        var run = new CaptureRun(first.Subject, first.Concurrency, rounds.Sum(r => r.Pages),
            TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)), Stats.Sorted(rounds.SelectMany(r => r.SortedLatenciesMs)), rounds.Sum(r => r.Failures));
        run = run with
        {
            Cpu = [.. rounds.SelectMany(r => r.Cpu).GroupBy(c => c.Role).Select(g => (g.Key, g.Sum(c => c.Seconds))).OrderByDescending(c => c.Item2)],
        };
        if (print)
        {
            var total = run.Cpu.Sum(c => c.Seconds);
            Console.WriteLine($"  {run.Subject,-20} ×{run.Concurrency} over {rounds.Count} rounds: {run.PerMinute,6:0.0} pages/min, p50 {run.P50,6:0} ms, p95 {run.P95,6:0} ms, failures {run.Failures}");
            Console.WriteLine($"    CPU {1000 * total / run.Pages:0.0} ms per page: " +
                string.Join(", ", run.Cpu.Where(c => c.Seconds > 0).Select(c => $"{c.Role} {1000 * c.Seconds / run.Pages:0.0} ms")));
        }
        return run;
    }
}

/// <summary>
/// The capture comparison: the same pages, HTML + full-page PNG each, through Platform's public API (URL job, wait on the
/// hub, download both results) and as plain Playwright for .NET on the same Chromium (Playwright's defaults and the flags
/// this machine needs), either with one warm browser (a new context per capture) or with a browser launched and closed per
/// capture; and the warm pool once more with the Scraper's own flags, so what the flags alone are worth shows apart.
/// </summary>
internal static class CaptureBench
{
    public const string Platform = "platform";
    public const string WarmPool = "warm-pool";
    public const string BrowserPerCapture = "browser-per-capture";
    public const string WarmPoolScraperFlags = "warm-pool-scraper-flags";

    /// <summary>What this machine needs to launch Debian's Chromium quietly (no downloads, no first-run), nothing else.</summary>
    public static readonly string[] PlainArguments = ["--disable-background-networking", "--disable-component-update", "--no-first-run"];

    public static readonly ViewportSize Viewport = new() { Width = 1280, Height = 800 };

    /// <summary>Workers each take the next page until all are captured; a failure is counted and logged, never retried.</summary>
    public static async Task<CaptureRun> RunAsync(string subject, int concurrency, IReadOnlyList<Uri> pages, string appTag, Func<int, Uri, Task> capture)
    {
        using var cpu = ProcessCpu.Snapshot(appTag);
        var next = -1;
        var failures = 0;
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < pages.Count)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await capture(worker, pages[i]);
                    lock (latencies)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref failures);
                    Console.Error.WriteLine($"  {subject} ×{concurrency}: {pages[i]} failed: {e.Message.Split('\n')[0]}");
                }
            }
        }));
        var run = new CaptureRun(subject, concurrency, pages.Count, clock.Elapsed, Stats.Sorted(latencies), failures) { Cpu = cpu.Since() };
        Console.WriteLine($"  {subject,-20} ×{concurrency}: {run.PerMinute,6:0.0} pages/min, p50 {run.P50,6:0} ms, p95 {run.P95,6:0} ms, failures {failures}");
        Console.WriteLine($"    {cpu.Describe(pages.Count, "page")}");
        Console.WriteLine($"    {cpu.DescribeChromium(subject == Platform ? "chromium" : "bench chromium", pages.Count, "page")}");
        return run;
    }

    /// <summary>Plain Playwright, or with the Scraper's flags (its disabled features, no WebRTC to the local network…).</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, bool scraperFlags = false) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, Args = scraperFlags ? [.. BrowserHost.ChromiumArguments()] : PlainArguments,
        });

    /// <summary>The warm-pool baseline: a fresh context on the already running browser, goto, HTML, full-page PNG, close.</summary>
    public static async Task CaptureInNewContextAsync(IBrowser browser, Uri url)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = Viewport });
        var page = await context.NewPageAsync();
        await CapturePageAsync(page, url);
    }

    /// <summary>The browser-per-capture baseline: launch, capture, close.</summary>
    public static async Task CaptureInNewBrowserAsync(IPlaywright playwright, Uri url)
    {
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = Viewport });
        await CapturePageAsync(page, url);
        await browser.CloseAsync();
    }

    /// <summary>goto (load), HTML, full-page PNG (Playwright's, unless <paramref name="screenshot"/> takes it); the PNG's size.</summary>
    public static async Task<int> CapturePageAsync(IPage page, Uri url, Func<IPage, Task<byte[]>>? screenshot = null)
    {
        var response = await page.GotoAsync(url.AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        if (response?.Ok != true)
        {
            throw new InvalidOperationException($"HTTP {response?.Status}");
        }
        var html = await page.ContentAsync();
        var png = screenshot is null
            ? await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Type = ScreenshotType.Png })
            : await screenshot(page);
        if (html.Length == 0 || png.Length == 0)
        {
            throw new InvalidOperationException("empty capture");
        }
        return png.Length;
    }

    /// <summary>
    /// Platform through its public API, as the SPA uses it: submit a URL job for html + screenshot, wait for the hub to say
    /// it ended (no polling), read the job, download every result. The latency is submit to last byte downloaded.
    /// </summary>
    public static async Task<PlatformCapture> CaptureThroughApiAsync(LiveUser user, Uri url)
    {
        var submitted = DateTimeOffset.UtcNow;
        using var submit = await user.Http.PostAsJsonAsync("/api/jobs", new { source = new { url = url.AbsoluteUri }, formats = new[] { "html", "screenshot" } });
        if (!submit.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"submit answered {(int)submit.StatusCode}: {await submit.Content.ReadAsStringAsync()}");
        }
        var id = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var state = await user.WaitFinishedAsync(id, TimeSpan.FromMinutes(5));
        if (state != "completed")
        {
            throw new InvalidOperationException($"job {id} ended {state}");
        }
        var job = await user.Http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        foreach (var task in job.GetProperty("tasks").EnumerateArray())
        {
            var bytes = await user.Http.GetByteArrayAsync(task.GetProperty("result").GetProperty("url").GetString());
            if (bytes.Length == 0)
            {
                throw new InvalidOperationException($"job {id}: empty {task.GetProperty("format").GetString()}");
            }
        }
        return new PlatformCapture(Guid.Parse(id), url, submitted, DateTimeOffset.UtcNow);
    }
}
