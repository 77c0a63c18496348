using Microsoft.Playwright;
using Platform.Fixtures;
using Platform.Testing;

namespace Platform.E2E.Tests.Infrastructure;

/// <summary>
/// One running Platform for the whole E2E collection, started through the Aspire AppHost (<see cref="PlatformApp"/>):
/// Redis and PostgreSQL, the migration, 2 Api and 2 Scraper replicas, the gateway serving web-spa/dist, the Aspire
/// dashboard the services export their telemetry to, the local fixture site the jobs capture, and one headless Debian
/// Chromium. Starting all of that per test would take minutes on the 2-core machine, so the tests share it and isolate
/// by user instead. Disposal fails the run if any process of the app (DCP and the dashboard included) is left behind.
/// </summary>
public sealed class PlatformAppFixture : IAsyncLifetime
{
    public PlatformApp App { get; private set; } = null!;

    public FixtureSite Site { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>&lt;repo&gt;/artifacts/test-output/screenshots (artifacts/ is git-ignored: screenshots are output, not sources).</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot, "artifacts", "test-output", "screenshots");

    /// <summary>The checkout these tests were built from: the first folder above the test assembly with Platform.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}.");
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var dist = Path.Combine(RepositoryRoot, "web-spa", "dist", "index.html");
        if (!File.Exists(dist))
        {
            throw new InvalidOperationException($"The SPA is not built ({dist} is missing): run `cd web-spa && npm ci && npm run build`.");
        }

        Site = await FixtureSite.StartAsync(hostCount: 1);
        var options = new PlatformAppOptions
        {
            ApiReplicas = 2,
            ScraperReplicas = 2,
            // The gateway serves the built SPA (web-spa/dist of this checkout).
            StaticFilesRoot = Path.GetDirectoryName(dist),
            // Operators watch the app in the dashboard; DashboardTests signs in to it.
            EnableDashboard = true,
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
        App = await PlatformApp.StartAsync(options, TestContext.Current.CancellationToken);

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = BrowserArguments(),
        });
    }

    /// <summary>A fresh browser profile (cookies, storage) per user, pointed at the gateway.</summary>
    public Task<IBrowserContext> NewContextAsync() => NewContextAsync(App.GatewayUrl);

    /// <summary>A fresh browser profile pointed at <paramref name="baseUrl"/> (the gateway, or the dashboard).</summary>
    public Task<IBrowserContext> NewContextAsync(Uri baseUrl) => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = baseUrl.ToString(),
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
        var directory = Path.Combine(RepositoryRoot, "artifacts", "test-output", "logs");
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
            var left = await App.WaitStoppedAsync();
            if (left.Count > 0)
            {
                throw new InvalidOperationException($"Processes left after the app was disposed: {ProcessProbe.Describe(left)}");
            }
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
    public const string Name = "Platform end to end (2 Api, 2 Scraper, gateway, dashboard, Chromium)";
}
