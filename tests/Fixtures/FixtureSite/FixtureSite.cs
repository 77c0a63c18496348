using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Fixtures;

/// <summary>
/// The pages capture tests and benchmarks run against, served by Kestrel on loopback only. It listens on several loopback
/// addresses (127.0.0.1, 127.0.0.2, … one per host asked for) so tests can tell per-host limits from per-replica ones, and
/// it counts the requests in flight per server address on the slow and the numbered site pages so politeness can be
/// checked from the target's side.
/// </summary>
public sealed class FixtureSite : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private readonly ConcurrentDictionary<string, int> _peakInFlight = new();
    private int _neverFinishingAborted;

    private FixtureSite(WebApplication app) => _app = app;

    /// <summary>How many numbered pages <c>/site/{n}</c> serves (0 to SitePages - 1): the benchmarks' "200-page site".</summary>
    public const int SitePages = 200;

    /// <summary>Page <paramref name="n"/> of the numbered site, answered after <paramref name="latencyMs"/> ms (a distant server's think time).</summary>
    public Uri SitePage(int n, int latencyMs = 0, int host = 0) => Url($"site/{n}?latency={latencyMs}", host);

    /// <summary>One base URL per loopback address, e.g. http://127.0.0.1:41234/.</summary>
    public IReadOnlyList<Uri> Hosts { get; private set; } = [];

    public Uri BaseUrl => Hosts[0];

    public Uri Url(string pathAndQuery, int host = 0) => new(Hosts[host], pathAndQuery);

    /// <summary>Most requests to the slow and site pages that were in flight at once on one host.</summary>
    public int PeakInFlight(string host) => _peakInFlight.GetValueOrDefault(host);

    public int InFlight(string host) => _inFlight.GetValueOrDefault(host);

    /// <summary>How many times the never-finishing page saw its client go away (the browser gave up or closed).</summary>
    public int NeverFinishingAborted => Volatile.Read(ref _neverFinishingAborted);

    public void ResetCounters()
    {
        _peakInFlight.Clear();
    }

    public static async Task<FixtureSite> StartAsync(int hostCount = 3)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            for (var i = 1; i <= hostCount; i++)
            {
                kestrel.Listen(IPAddress.Parse($"127.0.0.{i}"), 0);
            }
        });
        var app = builder.Build();
        var site = new FixtureSite(app);
        site.MapPages(app);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        site.Hosts = [.. addresses.Select(a => new Uri(a.EndsWith('/') ? a : a + "/")).OrderBy(u => u.Host, StringComparer.Ordinal)];
        return site;
    }

    private void MapPages(WebApplication app)
    {
        app.MapGet("/article", () => Html(FixturePages.Article));
        app.MapGet("/remember", () => Html(FixturePages.Remember));
        app.MapGet("/js", () => Html(FixturePages.JsRendered));
        app.MapGet("/slow", async (HttpContext http, int? ms) =>
        {
            await InFlightAsync(http, ms ?? 2_000);
            return Html(FixturePages.Article);
        });
        app.MapGet("/site/{n:int}", async (HttpContext http, int n, int? latency) =>
        {
            if (n is < 0 or >= SitePages)
            {
                return Results.NotFound();
            }
            await InFlightAsync(http, Math.Clamp(latency ?? 0, 0, 60_000));
            return Html(FixturePages.SitePage(n, SitePages));
        });
        app.MapGet("/never", async (HttpContext http) =>
        {
            // Sends the start of a page, then nothing, forever: the load event never fires.
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync("<!doctype html><html><head><title>Never</title></head><body><p>Still loading", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _neverFinishingAborted);
            }
        });
        app.MapGet("/error", () => Results.Content("<!doctype html><title>Oops</title><h1>Internal error</h1>", "text/html", Encoding.UTF8, 500));
        app.MapGet("/not-found", () => Results.Content("<!doctype html><title>Missing</title><h1>Not found</h1>", "text/html", Encoding.UTF8, 404));
        // 169.254.169.254 is the cloud metadata address: the Scraper must refuse the hop before any connection is made.
        app.MapGet("/redirect-private", () => Results.Redirect("http://169.254.169.254/latest/meta-data/"));
        app.MapGet("/redirect-article", () => Results.Redirect("/article"));
        // A redirector: sends the browser to any URL (politeness must follow it to the host really fetched).
        app.MapGet("/redirect", (string to) => Results.Redirect(to));
        app.MapGet("/private-subresource", () => Html(FixturePages.PrivateSubresource));
        app.MapGet("/huge", (int? paragraphs) => Html(FixturePages.Huge(paragraphs ?? 20_000)));
        app.MapGet("/wide", (int? width) => Html(FixturePages.Wide(width ?? 30_000)));
        app.MapGet("/dialogs", () => Html(FixturePages.DialogsAndDownload));
        app.MapGet("/download", () => Results.File(Encoding.UTF8.GetBytes("a,b\n1,2\n"), "text/csv", "data.csv"));
        app.MapGet("/pixel.png", () => Results.File(FixturePages.Pixel, "image/png"));
        app.MapGet("/style.css", () => Results.Content("body{font-family:sans-serif;margin:2rem} nav{background:#eee}", "text/css"));
    }

    /// <summary>Waits <paramref name="ms"/> while counted in flight per server address, whatever name the request used:
    /// politeness is about the server.</summary>
    private async Task InFlightAsync(HttpContext http, int ms)
    {
        var host = http.Connection.LocalIpAddress?.ToString() ?? http.Request.Host.Host;
        var now = _inFlight.AddOrUpdate(host, 1, (_, n) => n + 1);
        _peakInFlight.AddOrUpdate(host, now, (_, peak) => Math.Max(peak, now));
        try
        {
            await Task.Delay(ms, http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _inFlight.AddOrUpdate(host, 0, (_, n) => n - 1);
        }
    }

    private static IResult Html(string html) => Results.Content(html, "text/html", Encoding.UTF8);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
