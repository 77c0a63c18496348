using System.Net.Http.Json;
using System.Text.Json;
using Platform.Integration.Tests.Jobs;
using Platform.Testing;

namespace Platform.Integration.Tests.Chaos;

/// <summary>
/// Its own app, so faults never reach other suites: 2 Api replicas (3 s leases, diagnostic jobs), 2 Scraper replicas with
/// their Chromium, the gateway, Redis and PostgreSQL. Private networks are allowed on both sides (the captured site is on
/// 127.0.0.x). The Scrapers' politeness leases are as short as the Api's, a capture's hard timeout is 20 s, and a Chromium
/// that answers nothing for 8 s is replaced, so each fault is over within seconds.
/// </summary>
public sealed class ChaosFixture : JobsAppFixture
{
    public const int ScraperReplicas = 2;
    public const int MaxPages = 4;
    public const int PerHostConcurrency = 2;

    /// <summary>How long a Chromium may answer nothing before its Scraper kills and replaces it.</summary>
    public static readonly TimeSpan UnresponsiveAfter = TimeSpan.FromSeconds(8);

    protected override void Configure(PlatformAppOptions options)
    {
        options.ScraperReplicas = ScraperReplicas;
        // A killed replica is started again at once: its restart overlaps the next rounds (the jobs engine's tests wait 6 s).
        options.RestartDelay = TimeSpan.FromSeconds(1);
        // Chromium's first launch on each Scraper plus the migration, on a shared 2-core machine.
        options.StartupTimeout = TimeSpan.FromMinutes(5);
        options.ApiEnvironment["Capture__AllowPrivateNetworks"] = "true";
        options.ScraperEnvironment["Capture__AllowPrivateNetworks"] = "true";
        // Every process shares its lease settings (as the AppHost's defaults do): after Redis forgets its leases, grants
        // pause for the lease duration of whichever process notices first, which must cover every holder's renewal.
        foreach (var environment in new[] { options.ScraperEnvironment, options.ApiEnvironment })
        {
            environment["Coordination__LeaseDuration"] = "00:00:03";
            environment["Coordination__RenewInterval"] = "00:00:01";
        }
        options.ScraperEnvironment["PagePool__MaxPages"] = MaxPages.ToString();
        options.ScraperEnvironment["Capture__PerHostConcurrency"] = PerHostConcurrency.ToString();
        options.ScraperEnvironment["Capture__HardTimeoutMs"] = "20000";
        options.ScraperEnvironment["Browser__ProbeIntervalMs"] = "1000";
        options.ScraperEnvironment["Browser__UnresponsiveAfterMs"] = ((int)UnresponsiveAfter.TotalMilliseconds).ToString();
        options.ApiEnvironment["Scraper__CaptureDeadlineMs"] = "60000";
    }

    /// <summary>Every Api replica, Redis and every Scraper replica up and answering again (with Chromium connected).</summary>
    public async Task AllHealthyAsync()
    {
        await ApisHealthyAsync();
        await ScrapersHealthyAsync();
    }

    /// <summary>Every Api replica (and Redis) up and answering again.</summary>
    public Task ApisHealthyAsync() => AllReplicasHealthyAsync();

    /// <summary>Every Scraper replica up, answering, and its Chromium connected.</summary>
    public async Task ScrapersHealthyAsync()
    {
        foreach (var scraper in App.Scraper.Where(s => s.State == AppResourceState.Paused))
        {
            await scraper.ResumeAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await Task.WhenAll(App.Scraper.Select(s => s.WaitHealthyAsync(timeout.Token)));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The Scrapers were not healthy again within 90 s.{Environment.NewLine}{App.DescribeResources()}");
        }
    }

    /// <summary>A Scraper's <c>GET /captures/stats</c> on its own address, or null when it does not answer within 2 s.</summary>
    public static async Task<JsonElement?> ScraperStatsAsync(AppResource scraper)
    {
        if (scraper.Url is not { } url || !scraper.IsRunning)
        {
            return null;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            return await http.GetFromJsonAsync<JsonElement>(new Uri(url, "/captures/stats"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }
}

// Its faults and invariants are timed against leases and restarts: it runs alone, like the jobs engine's collection.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosCollection : ICollectionFixture<ChaosFixture>
{
    public const string Name = "Chaos (2 Api and 2 Scraper replicas, faults with jobs in flight)";
}
