extern alias scraper;
// Scraper benchmark: captures/minute and peak Chromium memory for page pools of 1, 2 and 4 against the local fixture site,
// next to a browser-per-capture baseline (launch, capture, close) on the same pages; a 300-capture memory trend; and the
// cost of binary outputs as raw frames versus base64 inside JSON. Loopback only. Usage: dotnet Scraper.Bench.dll [--quick]
using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Platform.Fixtures;
using Platform.Testing;
using Platform.Scraper.Browser;
using Platform.Scraper.Capture;
using Platform.Scraper.Contracts;

var quick = args.Contains("--quick");
var encodingOnly = args.Contains("--encoding");
var capturesPerRun = quick ? 12 : 40;
var sequentialCaptures = quick ? 60 : 300;

// The AppHost's Redis only, started the way the tests start it.
await using var redis = await PlatformApp.StartAsync(new PlatformAppOptions { OnlyResources = ["redis"] });
await using var site = await FixtureSite.StartAsync();
// The capture mix: a static article and a JavaScript-rendered page, Markdown + metadata + a full-page screenshot each.
string[] paths = ["article", "js"];
CaptureOutput[] outputs = [CaptureOutput.Markdown, CaptureOutput.Metadata, CaptureOutput.Screenshot];
Console.WriteLine($"Scraper benchmark — {Environment.ProcessorCount} cores, {capturesPerRun} captures per run, outputs: {string.Join(", ", outputs.Select(o => o.Name()))}");
Console.WriteLine();

var scripts = new PageScripts();
using var playwright = await Playwright.CreateAsync();
if (!encodingOnly)
{
var results = new List<(string Mode, int Concurrency, double PerMinute, double PeakMiB, int Failures)>();
foreach (var pool in new[] { 1, 2, 4 })
{
    await using var scraper = StartScraper(pool);
    using var client = scraper.CreateClient();
    client.Timeout = TimeSpan.FromMinutes(5);
    var browsers = scraper.Services.GetRequiredService<BrowserHost>();
    await Capture(client, 0); // warm-up: JIT, first page
    browsers.ResetPeakMemory();
    var (elapsed, failures) = await RunConcurrent(pool, capturesPerRun, i => Capture(client, i));
    browsers.SampleMemory();
    results.Add(("pool", pool, capturesPerRun / elapsed.TotalMinutes, browsers.Stats.PeakMemoryBytes / 1048576.0, failures));
    Console.WriteLine($"pool {pool}: {capturesPerRun / elapsed.TotalMinutes,6:F1} captures/min, peak Chromium {browsers.Stats.PeakMemoryBytes / 1048576.0,6:F0} MiB, failures {failures}");
}

foreach (var concurrency in new[] { 1, 2, 4 })
{
    var peak = new PeakTreeMemory("platform-bench-baseline");
    var (elapsed, failures) = await RunConcurrent(concurrency, capturesPerRun, i => BrowserPerCapture(i));
    peak.Stop();
    results.Add(("browser-per-capture", concurrency, capturesPerRun / elapsed.TotalMinutes, peak.PeakBytes / 1048576.0, failures));
    Console.WriteLine($"browser-per-capture ×{concurrency}: {capturesPerRun / elapsed.TotalMinutes,6:F1} captures/min, peak Chromium {peak.PeakBytes / 1048576.0,6:F0} MiB, failures {failures}");
}

Console.WriteLine();
Console.WriteLine("| mode | concurrency | captures/min | peak Chromium MiB | failures |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var r in results)
{
    Console.WriteLine($"| {r.Mode} | {r.Concurrency} | {r.PerMinute:F1} | {r.PeakMiB:F0} | {r.Failures} |");
}

Console.WriteLine();
Console.WriteLine($"{sequentialCaptures} sequential captures (pool 4, browser retired every 200 captures): Chromium tree memory");
await using (var scraper = StartScraper(4))
{
    using var client = scraper.CreateClient();
    client.Timeout = TimeSpan.FromMinutes(5);
    var browsers = scraper.Services.GetRequiredService<BrowserHost>();
    var stopwatch = Stopwatch.StartNew();
    var failures = 0;
    for (var i = 1; i <= sequentialCaptures; i++)
    {
        if (!await Capture(client, i)) failures++;
        if (i % 25 == 0)
        {
            var bytes = browsers.SampleMemory();
            var stats = browsers.Stats;
            Console.WriteLine($"  after {i,3}: {bytes / 1048576.0,6:F0} MiB (generation {stats.Generation}, {stats.CapturesOnBrowser} on it), {i / stopwatch.Elapsed.TotalMinutes:F0}/min");
        }
    }
    Console.WriteLine($"  peak {browsers.Stats.PeakMemoryBytes / 1048576.0:F0} MiB, restarts {browsers.Stats.Restarts}, failures {failures}");
}

}

Console.WriteLine();
Console.WriteLine("Binary outputs: raw frames vs base64 in JSON (client time = request to last frame parsed)");
await using (var scraper = StartScraper(1))
{
    using var client = scraper.CreateClient();
    client.Timeout = TimeSpan.FromMinutes(5);
    foreach (var (path, label) in new[] { ("article", "article screenshot+pdf"), ("huge?paragraphs=3000", "long page screenshot+pdf") })
    {
        foreach (var encoding in new[] { BinaryEncoding.Frame, BinaryEncoding.Base64 })
        {
            var request = new CaptureRequest { Url = site.Url(path).AbsoluteUri, Outputs = [CaptureOutput.Screenshot, CaptureOutput.Pdf], BinaryEncoding = encoding };
            await Measure(client, request); // warm-up
            var runs = Enumerable.Range(0, 5).Select(_ => 0).ToList();
            long wire = 0, payload = 0;
            var times = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var m = await Measure(client, request);
                wire = m.Wire; payload = m.Payload; times.Add(m.Ms);
            }
            times.Sort();
            Console.WriteLine($"  {label,-26} {encoding,-6}: {wire / 1024.0,8:F0} KiB on the wire for {payload / 1024.0,8:F0} KiB of output (+{100.0 * (wire - payload) / payload,4:F1}%), median {times[2],6:F0} ms");
        }
        // The framing alone, without rendering: write the same outputs both ways into memory and read them back.
        var frames = new List<CaptureFrame>();
        using (var response = await client.PostAsJsonAsync("/captures", new CaptureRequest { Url = site.Url(path).AbsoluteUri, Outputs = [CaptureOutput.Screenshot, CaptureOutput.Pdf] }, CaptureStream.Json))
        {
            await foreach (var frame in CaptureStreamReader.ReadAsync(await response.Content.ReadAsStreamAsync()))
            {
                if (frame.Type == CaptureFrame.Types.Output) frames.Add(frame);
            }
        }
        foreach (var encoding in new[] { BinaryEncoding.Frame, BinaryEncoding.Base64 })
        {
            var times = new List<double>();
            long allocated = 0;
            for (var i = 0; i < 21; i++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var stopwatch = Stopwatch.StartNew();
                using var memory = new MemoryStream();
                var writer = new CaptureStreamWriter(memory);
                foreach (var frame in frames)
                {
                    var header = frame with { Body = default, Length = null };
                    if (encoding == BinaryEncoding.Frame) await writer.WriteBinaryAsync(header, frame.Body, default);
                    else await writer.WriteAsync(header with { Base64 = Convert.ToBase64String(frame.Body.Span) }, default);
                }
                memory.Position = 0;
                await foreach (var _ in CaptureStreamReader.ReadAsync(memory)) { }
                times.Add(stopwatch.Elapsed.TotalMilliseconds);
                allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            }
            times.Sort();
            Console.WriteLine($"  {label,-26} {encoding,-6}: encode+decode median {times[10],6:F1} ms, {allocated / 1048576.0,6:F1} MiB allocated per capture");
        }
    }
}

ScraperHost StartScraper(int pool) => new(redis.RedisConnectionString, new Dictionary<string, string?>
{
    ["PagePool:MaxPages"] = pool.ToString(), ["PagePool:MaxWaiting"] = "64", ["Capture:PerHostConcurrency"] = "8",
    ["Browser:MemorySampleIntervalMs"] = "250",
});

async Task<bool> Capture(HttpClient client, int i)
{
    var request = new CaptureRequest { Url = site.Url(paths[i % paths.Length], i % site.Hosts.Count).AbsoluteUri, Outputs = outputs };
    using var response = await client.PostAsJsonAsync("/captures", request, CaptureStream.Json);
    if (!response.IsSuccessStatusCode) return false;
    var ok = false;
    await foreach (var frame in CaptureStreamReader.ReadAsync(await response.Content.ReadAsStreamAsync()))
    {
        ok |= frame.Type == CaptureFrame.Types.Result;
    }
    return ok;
}

async Task<bool> BrowserPerCapture(int i)
{
    // The baseline: everything a capture needs, but with a browser of its own that is launched and closed every time.
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium", Headless = true, Args = [.. BrowserHost.ChromiumArguments(), "--platform-bench-baseline"],
    });
    var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
    var response = await page.GotoAsync(site.Url(paths[i % paths.Length], i % site.Hosts.Count).AbsoluteUri);
    await page.EvaluateAsync<System.Text.Json.JsonElement>(scripts.Extract, new { markdown = true, text = false, links = false, metadata = true, maxLinks = 5000, maxHeadings = 500 });
    await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
    await browser.CloseAsync();
    return response?.Ok == true;
}

static async Task<(TimeSpan Elapsed, int Failures)> RunConcurrent(int workers, int total, Func<int, Task<bool>> capture)
{
    var next = -1;
    var failures = 0;
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < total)
        {
            try
            {
                if (!await capture(i)) Interlocked.Increment(ref failures);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"capture {i} failed: {e.Message.Split('\n')[0]}");
                Interlocked.Increment(ref failures);
            }
        }
    }));
    return (stopwatch.Elapsed, failures);
}

async Task<(long Wire, long Payload, double Ms)> Measure(HttpClient client, CaptureRequest request)
{
    var stopwatch = Stopwatch.StartNew();
    using var response = await client.PostAsJsonAsync("/captures", request, CaptureStream.Json);
    var body = new CountingStream(await response.Content.ReadAsStreamAsync());
    long payload = 0;
    await foreach (var frame in CaptureStreamReader.ReadAsync(body))
    {
        payload += frame.Body.Length;
    }
    return (body.Count, payload, stopwatch.Elapsed.TotalMilliseconds);
}

/// <summary>The Scraper in-process on real Kestrel sockets, as the tests host it.</summary>
sealed class ScraperHost(string redis, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<scraper::Program>
{
    private bool _started;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:redis", redis);
        builder.UseSetting("Capture:AllowPrivateNetworks", "true");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

    public new HttpClient CreateClient()
    {
        if (!_started)
        {
            UseKestrel(0);
            StartServer();
            _started = true;
        }
        return base.CreateClient();
    }
}

/// <summary>Samples the summed RSS of every process tree whose root carries a marker switch, every 100 ms.</summary>
sealed class PeakTreeMemory
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public PeakTreeMemory(string marker)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                long total = 0;
                foreach (var dir in Directory.EnumerateDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                    string cmdline;
                    try { cmdline = File.ReadAllText($"{dir}/cmdline"); } catch (IOException) { continue; }
                    if (cmdline.Contains(marker) && !cmdline.Contains("--type=")) total += ChromiumProcessTree.TreeResidentBytes(pid);
                }
                PeakBytes = Math.Max(PeakBytes, total);
                await Task.Delay(100);
            }
        });
    }

    public long PeakBytes { get; private set; }

    public void Stop()
    {
        _stop.Cancel();
        _loop.Wait();
    }
}

sealed class CountingStream(Stream inner) : Stream
{
    public long Count { get; private set; }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) { var n = inner.Read(buffer, offset, count); Count += n; return n; }
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) { var n = await inner.ReadAsync(buffer, ct); Count += n; return n; }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
