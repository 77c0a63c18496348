using System.Runtime.InteropServices;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Platform.Testing;

public enum AppResourceState { Starting, Healthy, Unhealthy, Paused, Stopping, Exited }

/// <summary>
/// One running replica of a resource of the app ("api-x7k2abcd"), as Aspire reports it, with the faults a test
/// injects: SIGKILL, SIGSTOP/SIGCONT of the service's own process, and the stop/start/restart resource commands.
/// </summary>
public sealed class AppResource
{
    private const int SigKill = 9, SigStop = 19, SigCont = 18;
    private readonly DistributedApplication _app;
    private readonly string _tag;
    private readonly LogTail _log = new();
    private readonly Lock _gate = new();
    private CustomResourceSnapshot _snapshot;
    private int _starts;
    private volatile bool _paused;

    internal AppResource(DistributedApplication app, string resourceName, string id, CustomResourceSnapshot snapshot, string tag)
    {
        _app = app;
        _tag = tag;
        ResourceName = resourceName;
        Name = id;
        _snapshot = snapshot;
    }

    /// <summary>The replica's id, as in the dashboard and in the Api's instance id ("api-x7k2abcd").</summary>
    public string Name { get; }

    /// <summary>The resource it is a replica of ("api").</summary>
    public string ResourceName { get; }

    public CustomResourceSnapshot Snapshot { get { lock (_gate) { return _snapshot; } } }

    /// <summary>How many times it was started again after its first start.</summary>
    public int RestartCount => Math.Max(0, Volatile.Read(ref _starts) - 1);

    public AppResourceState State
    {
        get
        {
            var snapshot = Snapshot;
            var state = snapshot.State?.Text;
            if (state == KnownResourceStates.Running)
            {
                // No health status is healthy only for a resource without health checks; a replica started again has
                // none until its first check ran, and is not answering yet.
                return _paused ? AppResourceState.Paused
                    : snapshot.HealthStatus is Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy ? AppResourceState.Healthy
                    : snapshot.HealthStatus is null && snapshot.HealthReports.IsDefaultOrEmpty ? AppResourceState.Healthy
                    : AppResourceState.Unhealthy;
            }
            return state == KnownResourceStates.Stopping ? AppResourceState.Stopping
                : state == KnownResourceStates.Exited || state == KnownResourceStates.Finished || state == KnownResourceStates.FailedToStart ? AppResourceState.Exited
                : AppResourceState.Starting;
        }
    }

    /// <summary>The process DCP started (for a project, its <c>dotnet run</c> wrapper).</summary>
    public int? LaunchedPid =>
        Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value && int.TryParse(value.ToString(), out var pid) && pid > 0
            ? pid : null;

    /// <summary>The service's own process: a project's child of its <c>dotnet run</c> wrapper, otherwise the launched process.</summary>
    public int? Pid
    {
        get
        {
            // The snapshot's pid may be stale: the process exited and the number (pid_max is 32768 here) now belongs to
            // another app's process, which a fault must never hit. Ours carry this app's tag, or descend from one that does.
            if (LaunchedPid is not { } launched || !ProcessProbe.IsRunning(launched) || State == AppResourceState.Exited
                || !ProcessProbe.BelongsTo(launched, _tag))
            {
                return null;
            }
            if (!ProcessProbe.CommandLine(launched).StartsWith("dotnet run", StringComparison.Ordinal))
            {
                return launched;
            }
            return ProcessProbe.ChildrenOf(launched).FirstOrDefault(child => ProcessProbe.CommandLine(child).Contains("/artifacts/bin/", StringComparison.Ordinal)) is var service and > 0
                ? service : null;
        }
    }

    /// <summary>The replica's own address (not the DCP proxy in front of all replicas), for services.</summary>
    public Uri? Url =>
        Snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == "ASPNETCORE_URLS")?.Value is { Length: > 0 } urls
            ? new Uri(urls.Split(';')[0]) : null;

    public async Task KillAsync(CancellationToken ct = default)
    {
        var pid = Pid ?? throw new InvalidOperationException($"{Name} has no running process to kill ({State})");
        Signal(pid, SigKill);
        _paused = false;
        await WaitUntilAsync(r => r.State == AppResourceState.Exited, TimeSpan.FromSeconds(30), ct);
    }

    /// <summary>SIGSTOP of the service's process and everything it started (PostgreSQL's backends, a Scraper's Chromium).</summary>
    public Task PauseAsync(CancellationToken ct = default)
    {
        var pid = Pid ?? throw new InvalidOperationException($"{Name} has no running process to pause");
        foreach (var process in ProcessProbe.DescendantsOf(pid).Prepend(pid))
        {
            Signal(process, SigStop);
        }
        _paused = true;
        return Task.CompletedTask;
    }

    public Task ResumeAsync(CancellationToken ct = default)
    {
        var pid = Pid ?? throw new InvalidOperationException($"{Name} has no running process to resume");
        foreach (var process in ProcessProbe.DescendantsOf(pid).Prepend(pid))
        {
            Signal(process, SigCont);
        }
        _paused = false;
        return Task.CompletedTask;
    }

    /// <summary>The "stop" resource command, as an operator would use it in the dashboard.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await ExecuteAsync(KnownResourceCommands.StopCommand, ct);
        await WaitUntilAsync(r => r.State == AppResourceState.Exited, TimeSpan.FromSeconds(60), ct);
    }

    public Task StartAsync(CancellationToken ct = default) => ExecuteAsync(KnownResourceCommands.StartCommand, ct);

    /// <summary>The "restart" resource command; returns once the new process is running and healthy.</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        var starts = Volatile.Read(ref _starts);
        await ExecuteAsync(KnownResourceCommands.RestartCommand, ct);
        await WaitUntilAsync(r => Volatile.Read(ref r._starts) > starts && r.IsRunning, TimeSpan.FromSeconds(90), ct);
        await WaitHealthyAsync(ct);
    }

    /// <summary>Running (not paused), as DCP reports the process.</summary>
    public bool IsRunning => !_paused && Snapshot.State?.Text == KnownResourceStates.Running;

    /// <summary>
    /// A service: running, and its own <c>/health</c> answering 200 (the endpoint Aspire's health check asks, but Aspire
    /// asks through DCP's proxy, which may reach another replica, and backs off up to 5 s between checks of an unhealthy
    /// resource). Any other resource: healthy as Aspire reports it.
    /// </summary>
    public async Task WaitHealthyAsync(CancellationToken ct = default)
    {
        if (Url is null)
        {
            await WaitUntilAsync(r => r.State == AppResourceState.Healthy, Timeout.InfiniteTimeSpan, ct);
            return;
        }
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            await WaitUntilAsync(r => r.IsRunning, Timeout.InfiniteTimeSpan, ct);
            try
            {
                using var response = await http.GetAsync(new Uri(Url!, "/health"), ct);
                if (response.IsSuccessStatusCode && IsRunning)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
            }
            await Task.Delay(50, ct);
        }
    }

    public async Task WaitUntilAsync(Func<AppResource, bool> condition, TimeSpan timeout, CancellationToken ct = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }
        try
        {
            while (!condition(this))
            {
                await Task.Delay(50, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} did not reach the expected state within {timeout.TotalSeconds:0} s; it is {State}.");
        }
    }

    public IReadOnlyList<string> RecentLogLines(int count = 100) => _log.Last(count);

    public override string ToString() => $"{Name} ({State}, pid {Pid?.ToString() ?? "-"})";

    internal void Update(CustomResourceSnapshot snapshot)
    {
        lock (_gate)
        {
            // Each process start is a new start time, first seen Running.
            if (snapshot.State?.Text == KnownResourceStates.Running && snapshot.StartTimeStamp != _startSeen)
            {
                _startSeen = snapshot.StartTimeStamp;
                Interlocked.Increment(ref _starts);
            }
            _snapshot = snapshot;
        }
    }

    private DateTime? _startSeen;

    internal void AddLogLine(string line) => _log.Add(line);

    private async Task ExecuteAsync(string command, CancellationToken ct)
    {
        var result = await _app.ResourceCommands.ExecuteCommandAsync(Name, command, ct);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} {Name} failed: {result.Message}");
        }
    }

    private static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
