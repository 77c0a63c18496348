using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Platform.Testing;

namespace Platform.Integration.Tests.Orchestration;

/// <summary>
/// The AppHost as operators run it (<c>scripts/apphost</c>, what <c>./run</c> ends with): it prints the app's URL and
/// the dashboard's login URL, serves both, and on SIGTERM stops every service gracefully, with no process of the app
/// left — DCP, the dashboard, the <c>dotnet run</c> wrappers, every service, Redis, PostgreSQL and Chromium included.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class AppHostProcessTests(ITestOutputHelper output)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_apphost_prints_both_urls_serves_them_and_leaves_no_process_after_sigterm()
    {
        var tag = Guid.NewGuid().ToString("N");
        var data = Directory.CreateTempSubdirectory("platform-run-");
        File.SetUnixFileMode(data.FullName, File.GetUnixFileMode(data.FullName) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var info = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "scripts", "apphost"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["PLATFORM_APP_TAG"] = tag,
                ["PLATFORM_DATA_DIR"] = data.FullName,
                ["PLATFORM_PORT"] = "0",
                ["PLATFORM_DASHBOARD_PORT"] = $"{FreePortRange(3)}",
                ["PLATFORM_API_REPLICAS"] = "1",
                ["PLATFORM_SCRAPER_REPLICAS"] = "1",
                ["PLATFORM_DURABLE_DATA"] = "false",
            },
        };
        using var process = Process.Start(info)!;
        var appUrl = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var dashboardUrl = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }
            output.WriteLine(line);
            lines.Enqueue(line);
            if (ReadyLine().Match(line) is { Success: true } ready)
            {
                appUrl.TrySetResult(new Uri(ready.Groups[1].Value));
            }
            if (LoginLine().Match(line) is { Success: true } login)
            {
                dashboardUrl.TrySetResult(new Uri(login.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var app = await appUrl.Task.WaitAsync(TimeSpan.FromMinutes(4), _ct);
            var dashboard = await dashboardUrl.Task.WaitAsync(TimeSpan.FromSeconds(10), _ct);
            Assert.NotEmpty(ProcessProbe.RunningTagged(tag));

            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
            using (var formats = await http.GetAsync(new Uri(app, "/api/formats"), _ct))
            {
                Assert.Equal(HttpStatusCode.OK, formats.StatusCode);
            }
            Assert.StartsWith("/login", dashboard.AbsolutePath);
            Assert.Contains("t=", dashboard.Query);
            using (var login = await http.GetAsync(dashboard, _ct))
            {
                Assert.True(login.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect or HttpStatusCode.Found, $"dashboard login: {(int)login.StatusCode}");
            }

            // SIGTERM, as systemd or Ctrl-C (SIGINT, the same path) would stop it.
            var stopping = Stopwatch.StartNew();
            Assert.Equal(0, kill(process.Id, 15));
            await process.WaitForExitAsync(_ct).WaitAsync(TimeSpan.FromSeconds(120), _ct);
            output.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:0.0} s with exit code {process.ExitCode}");
            Assert.Equal(0, process.ExitCode);
            Assert.Empty(ProcessProbe.Describe(ProcessProbe.RunningTagged(tag)));
            // Every service (api, scraper, gateway) got SIGTERM and ran its own shutdown, rather than being killed by DCP.
            Assert.Contains(lines, line => line.Contains("3 service replicas stopped gracefully", StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            foreach (var pid in ProcessProbe.RunningTagged(tag))
            {
                kill(pid, 9);
            }
            data.Delete(recursive: true);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static int FreePortRange(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = Random.Shared.Next(20000, 30000);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }
        throw new InvalidOperationException("no free port range");

        static bool IsFree(int port)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Platform.sln not found above the test binaries");
    }

    [GeneratedRegex(@"Platform is ready at (\S+)")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"Login to the dashboard at (\S+)")]
    private static partial Regex LoginLine();
}
