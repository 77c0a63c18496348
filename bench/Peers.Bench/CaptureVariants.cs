extern alias scraper;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using Platform.Bench;
using BrowserHost = scraper::Platform.Scraper.Browser.BrowserHost;
using BrowserOptions = scraper::Platform.Scraper.Browser.BrowserOptions;
using SandboxUser = scraper::Platform.Scraper.Browser.SandboxUser;
using CaptureOptions = scraper::Platform.Scraper.Capture.CaptureOptions;
using CaptureRunner = scraper::Platform.Scraper.Capture.CaptureRunner;
using EgressProxy = scraper::Platform.Scraper.Capture.EgressProxy;
using AddressPolicy = scraper::Platform.Scraper.Capture.AddressPolicy;
using HostResolver = scraper::Platform.Scraper.Capture.HostResolver;
using ScraperMetrics = scraper::Platform.Scraper.Diagnostics.ScraperMetrics;

namespace Platform.Peers.Bench;

/// <summary>
/// Where Platform's Chromium spends more CPU per page than the warm-pool baseline: plain Playwright, then with the Scraper's
/// flags, then with one more of the Scraper's differences at a time (its sandbox user, its egress proxy, its request
/// guard, two browsers instead of one, its context options, a faster PNG encoding) and with all of them, same pages, same
/// concurrency, interleaved rounds. Chromium CPU per page (and by process type) is read from /proc (this process's
/// descendants). <c>--only capture-variants</c>; no Platform app is started.
/// </summary>
internal static class CaptureVariants
{
    private sealed record Variant(string Name, bool Sandbox, bool Proxy, bool Guard, int Browsers, bool ScraperContext, bool FastPng = false, bool Flags = true, bool CdpPng = false,
        bool UserOnly = false, string[]? Extra = null, string? Wrapper = null, string? Without = null,
        Func<string, string>? EditSandboxWrapper = null);
    private static long _pngBytes;

    public static async Task RunAsync(IReadOnlyList<Uri> pages, int concurrency, int rounds, string only)
    {
        Variant[] all =
        [
            new("plain playwright", false, false, false, 1, false, Flags: false),
            new("scraper flags", false, false, false, 1, false),
            new("+ sandbox user", true, false, false, 1, false),
            // The sandbox's parts apart: the user without the sandbox, and the sandbox without its seccomp-bpf layer.
            new("+ user, no sandbox", true, false, false, 1, false, UserOnly: true),
            new("+ sandbox, no seccomp", true, false, false, 1, false, Extra: ["--disable-seccomp-filter-sandbox"]),
            // Shared memory in /dev/shm (tmpfs) instead of files under /tmp, as root and sandboxed.
            new("- dev-shm flag", false, false, false, 1, false, Without: "--disable-dev-shm-usage"),
            new("- dev-shm flag, sandbox", true, false, false, 1, false, Without: "--disable-dev-shm-usage"),
            // The sandbox user as before it kept CAP_SYS_NICE: its browser cannot raise its display threads' priority.
            new("+ sandbox user, no cap", true, false, false, 1, false,
                EditSandboxWrapper: w => w.Replace("-all,+sys_nice --ambient-caps=+sys_nice", "-all").Replace("--bounding-set=-all,+sys_nice", "--bounding-set=-all")),
            // Root, no sandbox, but the sandbox wrapper's environment (HOME and the XDG folders inside the fresh profile).
            new("+ wrapper env as root", false, false, false, 1, false, Wrapper: """
                #!/bin/sh
                for arg in "$@"; do case "$arg" in --user-data-dir=*) profile="${arg#--user-data-dir=}" ;; esac; done
                mkdir -p "$profile/home"
                export HOME="$profile/home" XDG_CONFIG_HOME="$profile/home/.config" XDG_CACHE_HOME="$profile/home/.cache"
                exec /usr/bin/chromium "$@"
                """),
            // The sandbox user, no sandbox, with one HOME kept across launches (made once, owned by the user).
            new("+ user, kept home", false, false, false, 1, false, Extra: ["--no-sandbox"], Wrapper: """
                #!/bin/sh
                for arg in "$@"; do case "$arg" in --user-data-dir=*) profile="${arg#--user-data-dir=}" ;; esac; done
                chown -R platform-chromium:platform-chromium "$profile"
                mkdir -p /tmp/bench-chromium-home && chown platform-chromium:platform-chromium /tmp/bench-chromium-home
                export HOME=/tmp/bench-chromium-home
                exec setpriv --reuid=platform-chromium --regid=platform-chromium --init-groups -- /usr/bin/chromium "$@"
                """),
            // Best-effort tasks: Chromium runs its ThreadPool's BEST_EFFORT work on background-priority threads only when it
            // may raise them back (root, or RLIMIT_NICE), so as the sandbox user that work competes at normal priority.
            new("flags, no best-effort", false, false, false, 1, false, Extra: ["--disable-best-effort-tasks"]),
            new("+ sandbox user, no best-effort", true, false, false, 1, false, Extra: ["--disable-best-effort-tasks"]),
            // The Scraper's flags start renderers at nice 5 (BrowserHost.RenderersNice), as root's Chromium runs their main
            // threads; this is the sandbox user without that, its renderers at the browser's priority.
            new("+ sandbox user, renderers at 0", true, false, false, 1, false, Without: BrowserHost.RenderersNice),
            // The sandbox user as before its Chromium was told RLIMIT_NICE allows raising priorities (Browser/nice-limit.c):
            // it leaves the GPU process and the foreground renderer at the zygotes' nice 5.
            new("+ sandbox user, no nice limit", true, false, false, 1, false,
                EditSandboxWrapper: w => w.Replace("export LD_PRELOAD=", "# export LD_PRELOAD=")),
            new("+ egress proxy", false, true, false, 1, false),
            new("+ route interception", false, false, true, 1, false),
            new("+ two browsers", false, false, false, 2, false),
            new("+ scraper context", false, false, false, 1, true),
            new("+ fast png (cdp)", false, false, false, 1, false, FastPng: true),
            // The same PNG encoding as Playwright's, but one CDP call instead of Playwright's screenshot steps.
            new("+ cdp png", false, false, false, 1, false, CdpPng: true),
            new("all but fast png", true, true, true, 2, true),
        ];
        var words = only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var variants = all.Where((v, i) => i == 0 || words.Length == 0 || words.Any(w => Selects(w, v.Name, all))).ToArray();
        var services = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .Configure<CaptureOptions>(o => o.AllowPrivateNetworks = true)
            .AddSingleton<HostResolver>()
            .AddSingleton<AddressPolicy>()
            .AddSingleton<ScraperMetrics>()
            .AddSingleton<EgressProxy>()
            .BuildServiceProvider();
        await using var _ = services;
        var proxy = services.GetRequiredService<EgressProxy>();
        using var playwright = await Playwright.CreateAsync();
        var totals = variants.ToDictionary(v => v.Name, _ => (Seconds: 0.0, Cpu: 0.0, Pages: 0));
        Console.WriteLine($"Capture variants: warm pool at ×{concurrency}, {pages.Count} pages, {rounds} interleaved rounds, load average {Stats.LoadAverage()}");
        for (var round = 0; round < rounds; round++)
        {
            foreach (var variant in variants)
            {
                var browsers = new List<IBrowser>();
                for (var b = 0; b < variant.Browsers; b++)
                {
                    browsers.Add(await LaunchAsync(playwright, variant, proxy.Address));
                }
                // Warm-up: a page per browser, not counted.
                foreach (var browser in browsers)
                {
                    await CaptureAsync(browser, variant, pages[0]);
                }
                var byType = ChromiumTicks();
                Interlocked.Exchange(ref _pngBytes, 0);
                var next = -1;
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < pages.Count)
                    {
                        await CaptureAsync(browsers[worker % browsers.Count], variant, pages[i]);
                    }
                }));
                var elapsed = clock.Elapsed.TotalSeconds;
                var used = ChromiumTicks().Select(t => (Type: t.Key, Seconds: (t.Value - byType.GetValueOrDefault(t.Key)) / ProcessCpu.TicksPerSecond)).ToList();
                var chromium = used.Sum(t => t.Seconds);
                var types = string.Join(", ", used.Where(t => t.Seconds > 0).OrderByDescending(t => t.Seconds).Select(t => $"{t.Type} {1000 * t.Seconds / pages.Count:0}"));
                foreach (var browser in browsers)
                {
                    await browser.CloseAsync();
                }
                var t = totals[variant.Name];
                totals[variant.Name] = (t.Seconds + elapsed, t.Cpu + chromium, t.Pages + pages.Count);
                Console.WriteLine($"  round {round + 1} {variant.Name,-22} {60 * pages.Count / elapsed,6:0.0} pages/min, Chromium {1000 * chromium / pages.Count,5:0} ms CPU per page, PNG {Interlocked.Read(ref _pngBytes) / pages.Count / 1024} KiB avg; by type (ms/page) {types}");
            }
        }
        var baseline = totals[variants[0].Name];
        Console.WriteLine($"Totals (ratio to {variants[0].Name}):");
        foreach (var (name, t) in totals)
        {
            Console.WriteLine($"  {name,-22} {60 * t.Pages / t.Seconds,6:0.0} pages/min ({baseline.Seconds / t.Seconds * t.Pages / baseline.Pages:0.00}×), " +
                              $"Chromium {1000 * t.Cpu / t.Pages,5:0} ms CPU per page ({t.Cpu / t.Pages / (baseline.Cpu / baseline.Pages):0.00}×)");
        }
    }

    /// <summary>A word names a variant exactly, or else picks every variant whose name contains it.</summary>
    private static bool Selects(string word, string name, Variant[] all) =>
        all.Any(v => v.Name.Equals(word, StringComparison.OrdinalIgnoreCase))
            ? name.Equals(word, StringComparison.OrdinalIgnoreCase)
            : name.Contains(word, StringComparison.OrdinalIgnoreCase);

    /// <summary>CPU ticks of this process's Chromium descendants (renderers reaped by the zygote included), by their --type.</summary>
    private static Dictionary<string, long> ChromiumTicks()
    {
        var result = new Dictionary<string, long>();
        foreach (var pid in Platform.Testing.ProcessProbe.DescendantsOf(Environment.ProcessId))
        {
            try
            {
                var cmd = Platform.Testing.ProcessProbe.CommandLine(pid);
                if (!cmd.Contains("chromium", StringComparison.Ordinal)) continue;
                var type = ProcessCpu.ChromiumType(cmd);
                result[type] = result.GetValueOrDefault(type) + ProcessCpu.Ticks(pid);
            }
            catch (IOException) { }
        }
        return result;
    }

    /// <summary>The full page as PNG in one CDP call; with <c>optimizeForSpeed</c> (faster encoding, larger file, which Playwright does not expose) or not.</summary>
    private static async Task<byte[]> CdpPngAsync(IBrowserContext context, IPage page, bool optimizeForSpeed)
    {
        var size = await page.EvaluateAsync<double[]>("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]");
        var cdp = await context.NewCDPSessionAsync(page);
        var result = await cdp.SendAsync("Page.captureScreenshot", new Dictionary<string, object>
        {
            ["format"] = "png",
            ["captureBeyondViewport"] = true,
            ["optimizeForSpeed"] = optimizeForSpeed,
            ["clip"] = new Dictionary<string, object> { ["x"] = 0, ["y"] = 0, ["width"] = Math.Max(size[0], 1280), ["height"] = Math.Max(size[1], 800), ["scale"] = 1 },
        });
        return Convert.FromBase64String(result!.Value.GetProperty("data").GetString()!);
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright, Variant variant, Uri proxy)
    {
        var launch = new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            ChromiumSandbox = variant.Sandbox && !variant.UserOnly,
            Args = [.. (variant.Flags ? BrowserHost.ChromiumArguments() : CaptureBench.PlainArguments).Where(a => a != variant.Without), .. variant.Proxy ? BrowserHost.EgressArguments(proxy) : [], .. variant.Extra ?? []],
        };
        if (variant.Sandbox && !OperatingSystem.IsWindows())
        {
            SandboxUser.Apply(launch, new BrowserOptions());
        }
        // The Scraper's own wrapper with one edit, or a script of the variant's own, in place of the executable.
        var script = variant.Wrapper;
        if (variant.EditSandboxWrapper is { } edit)
        {
            var own = File.ReadAllText(launch.ExecutablePath!);
            script = edit(own);
            if (script == own)
            {
                throw new InvalidOperationException($"The variant '{variant.Name}' no longer changes the Scraper's wrapper: update its edit.");
            }
        }
        if (script is not null && !OperatingSystem.IsWindows())
        {
            var path = Path.Combine(Path.GetTempPath(), $"bench-chromium-{Math.Abs(variant.Name.GetHashCode()):x}.sh");
            File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            launch.ExecutablePath = path;
        }
        return playwright.Chromium.LaunchAsync(launch);
    }

    private static async Task CaptureAsync(IBrowser browser, Variant variant, Uri url)
    {
        await using var context = await browser.NewContextAsync(variant.ScraperContext
            ? CaptureRunner.ContextOptions(CaptureBench.Viewport)
            : new BrowserNewContextOptions { ViewportSize = CaptureBench.Viewport });
        if (variant.Guard)
        {
            // What the Scraper's request guard did until it only listened: every request paused and let through by Playwright.
            await context.RouteAsync("**/*", route => route.ContinueAsync());
            await context.RouteWebSocketAsync("**/*", route => route.ConnectToServer());
        }
        var page = await context.NewPageAsync();
        var png = await CaptureBench.CapturePageAsync(page, url, variant.FastPng || variant.CdpPng ? p => CdpPngAsync(context, p, variant.FastPng) : null);
        Interlocked.Add(ref _pngBytes, png);
    }
}
