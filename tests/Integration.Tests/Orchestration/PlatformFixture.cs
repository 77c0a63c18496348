using Platform.Testing;

namespace Platform.Integration.Tests.Orchestration;

/// <summary>
/// The full topology, started once for the collection through the Aspire AppHost: Redis, PostgreSQL, the migration,
/// 2 Api and 2 Scraper replicas, the gateway (serving a test SPA from a temporary folder). Disposal fails the run if
/// any process of the app (DCP included) is left behind.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public const string SpaMarker = "<!-- platform test spa -->";
    public const string ApiMarkerVariable = "Platform__TestMarker";

    private readonly string _spaRoot = Directory.CreateTempSubdirectory("platform-spa-").FullName;

    public PlatformApp App { get; private set; } = null!;

    /// <summary>Loopback only, no cookies (affinity cookies would pin every request to one replica), no proxy.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_spaRoot, "index.html"), $"<!doctype html><html><body>{SpaMarker}<div id=\"root\"></div></body></html>");
        Directory.CreateDirectory(Path.Combine(_spaRoot, "assets"));
        File.WriteAllText(Path.Combine(_spaRoot, "assets", "app-3f2a.js"), "console.log('platform');");

        var options = new PlatformAppOptions { ApiReplicas = 2, ScraperReplicas = 2, StaticFilesRoot = _spaRoot };
        options.ApiEnvironment[ApiMarkerVariable] = "foundation";
        App = await PlatformApp.StartAsync(options, TestContext.Current.CancellationToken);
        Gateway = NewClient(App.GatewayUrl);
    }

    /// <summary>
    /// Every replica healthy and both Api replicas in the gateway's rotation again: a test that kills a replica leaves it
    /// restarting, so each test that needs the whole topology starts with this (xUnit does not fix the test order).
    /// </summary>
    public async Task AllHealthyAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            foreach (var resource in App.Resources.Where(r => r.ResourceName is not ("migration" or "platform")))
            {
                await resource.WaitHealthyAsync(timeout.Token);
            }
            while (true)
            {
                using (var health = await Gateway.GetAsync("/health", timeout.Token))
                {
                    if (health.IsSuccessStatusCode && (await health.Content.ReadAsStringAsync(timeout.Token)).Contains($"{App.Api.Count}/{App.Api.Count} Api replicas healthy", StringComparison.Ordinal))
                    {
                        return;
                    }
                }
                await Task.Delay(100, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"The topology was not healthy again within 120 s.{Environment.NewLine}{App.DescribeResources()}");
        }
    }

    public static HttpClient NewClient(Uri baseAddress) =>
        new(new SocketsHttpHandler { UseCookies = false, UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
            var left = await App.WaitStoppedAsync();
            if (left.Count > 0)
            {
                throw new InvalidOperationException($"Processes left after the app was disposed: {ProcessProbe.Describe(left)}");
            }
        }
        Directory.Delete(_spaRoot, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "Full topology (2 Api + 2 Scraper + Redis + PostgreSQL + gateway)";
}

/// <summary>When a test fails, its output gets the resource table and the last lines every resource wrote.</summary>
public abstract class DistributedAppTest(Func<PlatformApp> app) : IDisposable
{
    public void Dispose()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(app().DescribeResources());
            TestContext.Current.TestOutputHelper?.WriteLine(app().RecentLogs());
        }
        GC.SuppressFinalize(this);
    }
}
