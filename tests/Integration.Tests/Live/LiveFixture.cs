using Platform.Testing;

namespace Platform.Integration.Tests.Live;

/// <summary>
/// Two Api replicas behind the gateway (no Scraper: text jobs only), real Redis and PostgreSQL. Short leases, pings and
/// timeouts so a killed or paused replica is noticed in seconds; two executor slots per replica so four running jobs
/// must span both replicas.
/// </summary>
public sealed class LiveFixture : IAsyncLifetime
{
    public const int SnapshotThreshold = 200;

    public PlatformApp App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var options = new PlatformAppOptions { ApiReplicas = 2, ScraperReplicas = 0 };
        var api = options.ApiEnvironment;
        api["Diagnostics__EnableFaultFormats"] = "true";
        api["JobLimits__RunningPerUser"] = "8";
        api["JobLimits__QueuedPerUser"] = "20";
        api["JobLimits__ExecutorSlotsPerReplica"] = "2";
        // Every diagnostic step becomes an event (the engine's defaults: progress at most every 500 ms, flushed every 200 ms).
        api["Dispatch__ProgressInterval"] = "00:00:00.010";
        api["Dispatch__OutputInterval"] = "00:00:00.010";
        api["Leases__Duration"] = "00:00:03";
        api["Leases__RenewInterval"] = "00:00:01";
        api["Leases__RescueInterval"] = "00:00:01";
        // Clients ping every second (LiveJobClient) and expect a server ping within 4 s.
        api["Live__KeepAliveInterval"] = "00:00:01";
        api["Live__ClientTimeoutInterval"] = "00:00:04";
        api["Live__SnapshotThreshold"] = SnapshotThreshold.ToString();
        App = await PlatformApp.StartAsync(options, TestContext.Current.CancellationToken);
    }

    public Task<LiveUser> NewUserAsync(CancellationToken ct) =>
        LiveUser.SignUpAsync(App.GatewayUrl, $"live-{Guid.NewGuid():N}@example.test", ct);

    /// <summary>A previous test may have killed or paused a replica: start each test with both answering.</summary>
    public async Task AllReplicasHealthyAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        foreach (var api in App.Api)
        {
            if (api.State == AppResourceState.Paused)
            {
                await api.ResumeAsync(ct);
            }
            await api.WaitHealthyAsync(timeout.Token);
        }
    }

    /// <summary>
    /// Events the replicas did not push live (coalesced, dropped, or failed to publish), summed from their /metrics:
    /// the only reasons a client may see a gap in the live stream.
    /// </summary>
    public async Task<double> EventsNotPushedLiveAsync(CancellationToken ct)
    {
        string[] counters =
        [
            "platform_live_events_coalesced_total", "platform_live_events_dropped_total",
            "platform_live_events_failed_total", "platform_live_backplane_failures_total",
        ];
        using var http = new HttpClient();
        var total = 0.0;
        foreach (var api in App.Api)
        {
            var metrics = await http.GetStringAsync(new Uri(api.Url!, "metrics"), ct);
            total += metrics.Split('\n')
                .Where(line => counters.Any(c => line.StartsWith(c + "{", StringComparison.Ordinal) || line.StartsWith(c + " ", StringComparison.Ordinal)))
                .Sum(line => double.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));
        }
        return total;
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCollection : ICollectionFixture<LiveFixture>
{
    public const string Name = "live";
}
