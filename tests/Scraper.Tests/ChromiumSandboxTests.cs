using Platform.Scraper.Browser;
using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

/// <summary>
/// A renderer that runs a hostile page must be confined: not root, inside Chromium's namespace sandbox and under its
/// seccomp-bpf filter. Read from /proc of the real renderer processes while a page is open.
/// </summary>
public sealed class ChromiumSandboxTests(ScraperFixture fixture) : IClassFixture<ScraperFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Renderers_run_unprivileged_in_their_own_user_and_pid_namespaces_under_seccomp()
    {
        using var client = fixture.Scraper.CreateScraperClient();
        // A page that stays open while we look at its renderer.
        var capture = CaptureCalls.RunAsync(client, new CaptureRequest { Url = fixture.Site.Url("slow?ms=4000").AbsoluteUri, Outputs = [CaptureOutput.Html] }, Ct);
        var browserPid = fixture.Scraper.Browsers.Stats.ProcessId!.Value;
        // Renderers come and go (a spare one, one swapped on navigation), and one forked from the zygote installs its
        // seccomp filter as it starts: look until the renderers alive at one moment have all finished starting.
        List<(int Pid, Dictionary<string, string> Status)> renderers = [];
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            renderers = [.. ChromiumProcessTree.Descendants(browserPid)
                .Where(pid => Cmdline(pid).Contains("--type=renderer", StringComparison.Ordinal))
                .Select(pid => (pid, Status(pid)!)).Where(r => r.Item2 is not null)];
            if (renderers.Count > 0 && renderers.All(r => r.Status["Seccomp"] == "2"))
            {
                break;
            }
            await Task.Delay(50, Ct);
        }
        Assert.NotEmpty(renderers);

        foreach (var (renderer, status) in renderers)
        {
            Assert.All(status["Uid"].Split('\t', StringSplitOptions.RemoveEmptyEntries), uid => Assert.NotEqual("0", uid));
            Assert.Equal("2", status["Seccomp"]); // 2 = a seccomp-bpf filter is installed
            Assert.Equal("1", status["NoNewPrivs"]);
            Assert.NotEqual(Namespace(browserPid, "user"), Namespace(renderer, "user"));
            Assert.NotEqual(Namespace(browserPid, "pid"), Namespace(renderer, "pid"));
            Assert.Equal(NoCapabilities, status["CapEff"]);
            Assert.Equal(NoCapabilities, status["CapAmb"]);
        }
        // Renderers start below the browser (BrowserHost.RenderersNice: the zygote they are forked from runs at nice 5).
        var processes = ChromiumProcessTree.Descendants(browserPid).Select(pid => (Pid: pid, Cmdline: Cmdline(pid))).ToList();
        var zygotes = processes.Where(p => p.Cmdline.Contains("--type=zygote", StringComparison.Ordinal) && !p.Cmdline.Contains("--no-zygote-sandbox", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(zygotes);
        Assert.All(zygotes, zygote => Assert.Equal(5, MainThreadNice(zygote.Pid)));
        Assert.DoesNotContain("--no-sandbox", Cmdline(browserPid));
        var browser = Status(browserPid)!;
        Assert.NotEqual("0", browser["Uid"].Split('\t')[0]);
        if (Environment.UserName == "root")
        {
            // Started as the sandbox user, the browser keeps exactly one capability, CAP_SYS_NICE (bit 23), and uses it:
            // some thread of the browser or a renderer (compositor, IO) runs at a raised priority (a negative nice).
            Assert.Equal(SysNiceOnly, browser["CapEff"]);
            Assert.Contains(ThreadNiceValues([browserPid, .. renderers.Select(r => r.Pid)]), nice => nice < 0);
            // And it manages its processes' priorities as root's Chromium does, because it is told it may
            // (Browser/nice-limit.c, preloaded): the GPU process, started by a zygote at nice 5, is raised to the foreground,
            // every thread of it (without the library its worker threads stay at 5).
            var gpu = Assert.Single(processes, p => p.Cmdline.Contains("--type=gpu-process", StringComparison.Ordinal));
            Assert.All(ThreadNiceValues([gpu.Pid]), nice => Assert.InRange(nice, -20, 0));
        }
        Assert.NotNull((await capture).Result);
    }

    private const string NoCapabilities = "0000000000000000";
    private const string SysNiceOnly = "0000000000800000";

    /// <summary>The nice value of a process's main thread (field 19 of /proc/{pid}/stat).</summary>
    private static int MainThreadNice(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The nice value of every thread of these processes (field 19 of /proc/{pid}/task/{tid}/stat).</summary>
    private static IEnumerable<int> ThreadNiceValues(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            string[] tasks;
            try
            {
                tasks = Directory.GetDirectories($"/proc/{pid}/task");
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var task in tasks)
            {
                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(task, "stat"));
                }
                catch (IOException)
                {
                    continue;
                }
                // "tid (name) state ppid …": the fields after the name's closing parenthesis start at field 3.
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                yield return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>
    /// Chromium keeps only the last <c>--disable-features</c>: ours must repeat every feature Playwright disables (a new
    /// Playwright that adds one fails here) and turn off the spare renderer no capture can use.
    /// </summary>
    [Fact]
    public void The_browser_keeps_every_feature_Playwright_disables_and_starts_no_spare_renderer()
    {
        var arguments = File.ReadAllText($"/proc/{fixture.Scraper.Browsers.Stats.ProcessId!.Value}/cmdline").Split('\0');
        var lists = arguments.Where(a => a.StartsWith("--disable-features=", StringComparison.Ordinal))
            .Select(a => a["--disable-features=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.True(lists.Count >= 2, $"expected Playwright's --disable-features and ours, found {lists.Count}");
        var effective = lists[^1];
        Assert.Contains("SpareRendererForSitePerProcess", effective);
        Assert.Empty(lists.SelectMany(l => l).Distinct().Except(effective));
    }

    private static string Cmdline(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The fields of /proc/{pid}/status, or null once the process is gone.</summary>
    private static Dictionary<string, string>? Status(int pid)
    {
        try
        {
            return File.ReadAllLines($"/proc/{pid}/status").Select(line => line.Split(':', 2)).Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1].Trim());
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Namespace(int pid, string kind) => new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget ?? "";
}
