using Platform.AppHost.Orchestration;
using Platform.Integration.Tests.Infrastructure;

namespace Platform.Integration.Tests.Orchestration;

/// <summary>
/// The full topology, started once for the collection: Redis, PostgreSQL, 2 Api and 2 Scraper replicas, the gateway
/// (serving a test SPA from a temporary folder). Disposal fails the run if any process it started is left behind.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public const string SpaMarker = "<!-- platform test spa -->";
    public const string ApiMarkerVariable = "Platform__TestMarker";

    private readonly string _spaRoot = Directory.CreateTempSubdirectory("platform-spa-").FullName;

    public DistributedApp App { get; private set; } = null!;

    /// <summary>Loopback only, no cookies (affinity cookies would pin every request to one replica), no proxy.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_spaRoot, "index.html"), $"<!doctype html><html><body>{SpaMarker}<div id=\"root\"></div></body></html>");
        Directory.CreateDirectory(Path.Combine(_spaRoot, "assets"));
        File.WriteAllText(Path.Combine(_spaRoot, "assets", "app-3f2a.js"), "console.log('platform');");

        var options = new DistributedAppOptions
        {
            ApiReplicas = 2,
            ScraperReplicas = 2,
            StartGateway = true,
            GatewayPort = 0,
            DurablePostgres = false,
            StaticFilesRoot = _spaRoot,
            GatewayHealthCheckInterval = TimeSpan.FromSeconds(1),
        };
        options.ApiEnvironment[ApiMarkerVariable] = "foundation";
        App = await DistributedApp.StartAsync(options, TestContext.Current.CancellationToken);
        Gateway = NewClient(App.GatewayUrl);
    }

    public static HttpClient NewClient(Uri baseAddress) =>
        new(new SocketsHttpHandler { UseCookies = false, UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        if (App is not null)
        {
            var started = StartedProcesses();
            await App.DisposeAsync();
            var left = await ProcessProbe.StillRunningAfterAsync(started, TimeSpan.FromSeconds(5));
            if (left.Count > 0)
            {
                throw new InvalidOperationException($"Processes left after DistributedApp.DisposeAsync: {ProcessProbe.Describe(left)}");
            }
        }
        Directory.Delete(_spaRoot, recursive: true);
    }

    /// <summary>Every process of this app: the resources, their descendants and whatever carries its tag (Chromium's crash handler re-parents itself to init).</summary>
    public HashSet<int> StartedProcesses()
    {
        var roots = App.Resources.Where(r => r.Pid is { } pid && pid != Environment.ProcessId).Select(r => r.Pid!.Value).ToList();
        // Any live resource gives the app's tag; the first one may be a replica the tests just killed.
        var tag = roots.Select(ProcessProbe.AppTagOf).FirstOrDefault(t => t is not null)
            ?? throw new InvalidOperationException($"none of the resources ({string.Join(", ", roots)}) carries an AppHost tag");
        var processes = ProcessProbe.RunningTagged(tag);
        processes.UnionWith(roots);
        processes.UnionWith(roots.SelectMany(ProcessProbe.DescendantsOf));
        return processes;
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "Full topology (2 Api + 2 Scraper + Redis + PostgreSQL + gateway)";
}

/// <summary>When a test fails, its output gets the last lines every resource wrote.</summary>
public abstract class DistributedAppTest(Func<DistributedApp> app) : IDisposable
{
    public void Dispose()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(app().RecentLogs());
        }
        GC.SuppressFinalize(this);
    }
}
