using System.Diagnostics;
using System.Net;
using System.Text;
using Platform.AppHost.Orchestration;
using Platform.Integration.Tests.Infrastructure;

namespace Platform.Integration.Tests.Orchestration;

/// <summary>AppHost as ./run starts it: its own process, stopped by a signal.</summary>
public sealed class AppHostProcessTests : IDisposable
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("platform-apphost-test-").FullName;
    private readonly StringBuilder _output = new();

    [Fact]
    public async Task Sigterm_stops_every_process_and_exits_zero()
    {
        using var apphost = StartAppHost("--api-replicas", "1", "--scraper-replicas", "1", "--static-root", Path.Combine(_dataDirectory, "no-spa"));
        var gateway = await WaitUntilReadyAsync(apphost);
        var started = ProcessProbe.RunningTagged($"{apphost.Id}.");
        Assert.Contains(started, pid => File.ReadAllText($"/proc/{pid}/cmdline").Contains("chromium", StringComparison.Ordinal));

        // Served before the SPA is built: a clear 503, not a blank page.
        using (var client = PlatformFixture.NewClient(gateway))
        using (var spa = await client.GetAsync("/", _ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, spa.StatusCode);
            Assert.Contains("npm run build", await spa.Content.ReadAsStringAsync(_ct));
        }

        Assert.True(ProcessProbe.IsRunning(apphost.Id));
        SendSignal(apphost.Id, "TERM");
        await apphost.WaitForExitAsync(_ct).WaitAsync(TimeSpan.FromSeconds(60), _ct);

        Assert.Equal(0, apphost.ExitCode);
        Assert.Empty(await ProcessProbe.StillRunningAfterAsync(started, TimeSpan.FromSeconds(2)));
        Assert.Empty(ProcessProbe.RunningTagged($"{apphost.Id}."));
    }

    [Fact]
    public async Task Children_die_with_an_apphost_that_is_killed_outright()
    {
        using var apphost = StartAppHost("--api-replicas", "0", "--scraper-replicas", "1");
        await WaitUntilReadyAsync(apphost);
        var started = ProcessProbe.RunningTagged($"{apphost.Id}.");
        Assert.NotEmpty(started);

        apphost.Kill(); // SIGKILL: no chance to clean up; PDEATHSIG and the children's own shutdown must do it
        var left = await ProcessProbe.StillRunningAfterAsync(started, TimeSpan.FromSeconds(15));
        Assert.True(left.Count == 0, $"still running: {ProcessProbe.Describe(left)}");
    }

    public void Dispose()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(_output.ToString());
        }
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private Process StartAppHost(params string[] arguments)
    {
        var info = new ProcessStartInfo(ServiceArtifacts.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ServiceArtifacts.ServiceAssembly("AppHost"));
        foreach (var argument in new[] { "--port", "0", "--data-dir", _dataDirectory }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<Uri> WaitUntilReadyAsync(Process apphost)
    {
        const string ready = "Platform is ready at ";
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            string output;
            lock (_output)
            {
                output = _output.ToString();
            }
            if (output.IndexOf(ready, StringComparison.Ordinal) is >= 0 and var at)
            {
                return new Uri(output[(at + ready.Length)..].Split(' ', '\n')[0]);
            }
            Assert.False(apphost.HasExited, $"AppHost exited with {(apphost.HasExited ? apphost.ExitCode : 0)} before it was ready");
            await Task.Delay(100, _ct);
        }
        throw new TimeoutException("AppHost was not ready within 3 minutes");
    }

    private static void SendSignal(int pid, string signal) => Process.Start("kill", ["-" + signal, pid.ToString()])!.WaitForExit();
}
