using Microsoft.Playwright;
using Platform.AppHost.Orchestration;
using Platform.Fixtures;

namespace Platform.E2E.Tests.Infrastructure;

/// <summary>
/// One running Platform for the whole E2E collection: embedded Redis and PostgreSQL, 2 Api replicas, 1 Scraper, the
/// gateway serving web-spa/dist, the local fixture site the jobs capture, and one headless Debian Chromium. Starting
/// all of that per test would take minutes on the 2-core machine, so the tests share it and isolate by user instead.
/// </summary>
public sealed class PlatformAppFixture : IAsyncLifetime
{
    public DistributedApp App { get; private set; } = null!;

    public FixtureSite Site { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>&lt;repo&gt;/artifacts/test-output/screenshots (artifacts/ is git-ignored: screenshots are output, not sources).</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(ServiceArtifacts.RepositoryRoot, "artifacts", "test-output", "screenshots");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var dist = Path.Combine(ServiceArtifacts.RepositoryRoot, "web-spa", "dist", "index.html");
        if (!File.Exists(dist))
        {
            throw new InvalidOperationException($"The SPA is not built ({dist} is missing): run `cd web-spa && npm ci && npm run build`.");
        }

        Site = await FixtureSite.StartAsync(hostCount: 1);
        var options = new DistributedAppOptions
        {
            ApiReplicas = 2,
            ScraperReplicas = 1,
            StartGateway = true,
            GatewayPort = 0,
            DurablePostgres = false,
            GatewayHealthCheckInterval = TimeSpan.FromSeconds(1),
            // The machine is shared with other builds: give the first start (Chromium, migrations) room.
            StartupTimeout = TimeSpan.FromMinutes(5),
        };
        // The fixture site is on 127.0.0.1: both the Api's submission check and the Scraper's navigation must allow it.
        options.ApiEnvironment["Capture__AllowPrivateNetworks"] = "true";
        options.ScraperEnvironment["Capture__AllowPrivateNetworks"] = "true";
        // Every job targets the same fixture host; politeness (2 per host by default) must not be what holds jobs back,
        // or "3 running" would mean "2 capturing, 1 waiting for the host".
        options.ScraperEnvironment["Capture__PerHostConcurrency"] = "16";
        options.ScraperEnvironment["PagePool__MaxPages"] = "8";
        App = await DistributedApp.StartAsync(options, TestContext.Current.CancellationToken);

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = BrowserArguments(),
        });
    }

    /// <summary>A fresh browser profile (cookies, storage) per user, pointed at the gateway.</summary>
    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = App.GatewayUrl.ToString(),
        // Wide enough that the notification stack sits beside the content (≥ 1100 px) rather than folded.
        ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
    });

    private static string[] BrowserArguments()
    {
        List<string> args = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-gpu"];
        if (Environment.UserName == "root")
        {
            // Chromium refuses to start its sandbox as root.
            args.Add("--no-sandbox");
        }
        return [.. args];
    }

    /// <summary>The last lines of every process (Api, Scraper, gateway…) next to the screenshots, to explain what they show.</summary>
    private void SaveResourceLogs()
    {
        var directory = Path.Combine(ServiceArtifacts.RepositoryRoot, "artifacts", "test-output", "logs");
        Directory.CreateDirectory(directory);
        foreach (var resource in App.Resources)
        {
            File.WriteAllLines(Path.Combine(directory, $"{resource.Name}.log"), resource.RecentLogLines(1000));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        Playwright?.Dispose();
        if (App is not null)
        {
            SaveResourceLogs();
            await App.DisposeAsync();
        }
        if (Site is not null)
        {
            await Site.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformAppFixture>
{
    public const string Name = "Platform end to end (2 Api, 1 Scraper, gateway, Chromium)";
}
