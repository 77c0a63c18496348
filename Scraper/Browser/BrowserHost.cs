using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Platform.Scraper.Browser;

/// <summary>Owns this replica's one Chromium, launched through Playwright and kept warm for the service's lifetime.</summary>
public sealed class BrowserHost(IOptions<BrowserOptions> options, ILogger<BrowserHost> logger) : IHostedService, IAsyncDisposable
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser? Browser => _browser;

    public bool IsConnected => _browser?.IsConnected == true;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = o.ExecutablePath,
            Headless = o.Headless,
            Timeout = o.LaunchTimeoutMs,
            Args = ChromiumArguments(),
        });
        logger.LogInformation("Chromium {Version} launched from {Path}", _browser.Version, o.ExecutablePath);
    }

    public static IReadOnlyList<string> ChromiumArguments()
    {
        List<string> args = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--disable-gpu"];
        // Chromium's sandbox needs an unprivileged user; as root (CI) it refuses to start without this flag.
        if (Environment.UserName == "root")
        {
            args.Add("--no-sandbox");
        }
        return args;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
            _browser = null;
        }
        _playwright?.Dispose();
        _playwright = null;
    }
}
