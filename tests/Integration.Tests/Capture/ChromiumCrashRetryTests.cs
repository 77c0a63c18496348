using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Fixtures;
using Platform.Integration.Tests.Jobs;
using Platform.Testing;

namespace Platform.Integration.Tests.Capture;

/// <summary>
/// Issue 4: "Killing the Chromium process mid-capture: the Scraper relaunches it, the next capture works, the job engine
/// retries the failed one" — end to end, through the gateway and the Api's job engine, with a real Chromium killed by SIGKILL.
/// </summary>
[Collection(CaptureCollection.Name)]
public sealed class ChromiumCrashRetryTests(CaptureAppFixture fixture)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(120);

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Killing_chromium_mid_capture_relaunches_the_browser_and_the_job_engine_retries_the_capture_to_completion()
    {
        await using var site = await FixtureSite.StartAsync(hostCount: 1);
        using var user = await fixture.NewUserAsync();

        var jobId = await user.SubmitAcceptedAsync(new
        {
            source = new { url = site.Url("slow?ms=8000").AbsoluteUri },
            formats = new[] { "markdown", "metadata" },
            options = new { },
        });

        // Mid-capture: the job runs and one of the Scrapers holds a page for it (navigation waits on the slow response).
        var scrapers = fixture.App.Scraper.Select(r => (Replica: r, Http: new HttpClient { BaseAddress = r.Url, Timeout = TimeSpan.FromSeconds(10) })).ToList();
        var (scraper, stats) = await WaitForAsync<((AppResource Replica, HttpClient Http), JsonElement)>(async () =>
        {
            foreach (var candidate in scrapers)
            {
                var s = await candidate.Http.GetFromJsonAsync<JsonElement>("/captures/stats", Ct);
                if (s.GetProperty("pagesInUse").GetInt32() > 0 && s.GetProperty("browser").GetProperty("processId").ValueKind == JsonValueKind.Number)
                {
                    return (candidate, s);
                }
            }
            return null;
        }, TimeSpan.FromSeconds(60), "a scraper to have a capture in flight");
        var scraperHttp = scraper.Http;
        var scraperPid = scraper.Replica.Pid ?? throw new InvalidOperationException("the scraper is not running");
        Assert.Equal("running", (await user.GetJobAsync(jobId)).GetProperty("state").GetString());
        var browserPid = stats.GetProperty("browser").GetProperty("processId").GetInt32();
        var generationBefore = stats.GetProperty("browser").GetProperty("generation").GetInt32();

        // The main browser process(es): chromium processes under the Scraper whose parent is not itself chromium.
        var mainBrowsers = ProcessProbe.DescendantsOf(scraperPid)
            .Where(pid => Comm(pid) == "chromium" && Comm(ParentOf(pid)) != "chromium")
            .ToList();
        Assert.Contains(browserPid, mainBrowsers);
        foreach (var pid in mainBrowsers)
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(); // SIGKILL on Unix: no chance to shut down cleanly.
        }
        Assert.Empty(await ProcessProbe.StillRunningAfterAsync(mainBrowsers, TimeSpan.FromSeconds(10)));

        var killedAt = Stopwatch.StartNew();
        await user.WaitForStateAsync(jobId, JobTimeout, "completed", "failed", "cancelled");
        var job = await user.GetJobAsync(jobId);
        Assert.True(job.GetProperty("state").GetString() == "completed", $"job ended {job}");

        var tasks = job.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(["markdown", "metadata"], tasks.Select(t => t.GetProperty("format").GetString()!).Order(StringComparer.Ordinal));
        var attempts = tasks.ToDictionary(t => t.GetProperty("format").GetString()!, t => t.GetProperty("attempts").GetInt32());
        TestContext.Current.TestOutputHelper?.WriteLine($"task attempts: {string.Join(", ", attempts.Select(a => $"{a.Key}={a.Value}"))}; job attempt {job.GetProperty("attempt").GetInt32()}; killed chromium {string.Join(",", mainBrowsers)}, job finished {killedAt.Elapsed.TotalSeconds:F1} s after the kill");
        Assert.All(tasks, t => Assert.Equal("completed", t.GetProperty("state").GetString()));
        // Both formats come from the one capture the kill broke: it failed transiently and each task was retried.
        Assert.All(attempts, a => Assert.True(a.Value >= 2, $"{a.Key} attempts {a.Value}: {job}"));

        var markdownUrl = tasks.Single(t => t.GetProperty("format").GetString() == "markdown").GetProperty("result").GetProperty("url").GetString()!;
        using var download = await user.Http.GetAsync(new Uri(fixture.App.GatewayUrl, markdownUrl), Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Contains(FixturePages.ArticleHeadings[0], await download.Content.ReadAsStringAsync(Ct));

        // The Scraper relaunched Chromium (new process, new generation) and reports healthy again.
        var after = await scraperHttp.GetFromJsonAsync<JsonElement>("/captures/stats", Ct);
        Assert.True(after.GetProperty("browser").GetProperty("generation").GetInt32() > generationBefore, $"browser after the kill: {after.GetProperty("browser")}");
        Assert.NotEqual(browserPid, after.GetProperty("browser").GetProperty("processId").GetInt32());
        await WaitForAsync(async () =>
        {
            using var health = await scraperHttp.GetAsync("/health", Ct);
            return health.StatusCode == HttpStatusCode.OK ? (object?)true : null;
        }, TimeSpan.FromSeconds(30), "the scraper's /health to be healthy");
        Assert.Equal(scraperPid, scraper.Replica.Pid); // the browser died, not the Scraper
        foreach (var (_, http) in scrapers)
        {
            http.Dispose();
        }
    }

    private async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : struct
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(50, Ct);
        }
        throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
    }

    private async Task WaitForAsync(Func<Task<object?>> probe, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is not null)
            {
                return;
            }
            await Task.Delay(100, Ct);
        }
        throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
    }

    private static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
