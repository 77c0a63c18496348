using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Testing;

/// <summary>
/// The Platform as its AppHost defines it, started with Aspire.Hosting.Testing: DCP runs Redis, PostgreSQL, the
/// migration, the Api and Scraper replicas and the gateway on this machine, with the replica counts and settings the
/// test chose. Data lives in a temporary folder deleted on dispose. Every process of the app (DCP, its children, their
/// children) carries this app's <see cref="ProcessProbe.TagVariable"/>, so a test can prove none is left.
/// </summary>
public sealed class PlatformApp : IAsyncDisposable
{
    private readonly DistributedApplication _app;
    private readonly PlatformAppOptions _options;
    private readonly string _dataDirectory;
    private readonly ConcurrentDictionary<string, AppResource> _resources = new();
    private readonly CancellationTokenSource _watching = new();
    private readonly List<Task> _watchers = [];
    private readonly AppHostLog _appHostLog;
    private int _disposed;

    private PlatformApp(DistributedApplication app, PlatformAppOptions options, string dataDirectory, string tag, AppHostLog appHostLog)
    {
        _app = app;
        _options = options;
        _dataDirectory = dataDirectory;
        _appHostLog = appHostLog;
        Tag = tag;
    }

    /// <summary>The value of <see cref="ProcessProbe.TagVariable"/> in every process of this app.</summary>
    public string Tag { get; }

    public DistributedApplication Application => _app;

    public Uri GatewayUrl { get; private set; } = null!;

    public string RedisConnectionString { get; private set; } = "";

    public string PostgresConnectionString { get; private set; } = "";

    public TimeSpan StartupDuration { get; private set; }

    /// <summary>With <see cref="PlatformAppOptions.EnableDashboard"/>: the dashboard's login URL, <c>/login?t=&lt;browser token&gt;</c>
    /// (a credential: it signs the browser in); otherwise null.</summary>
    public Uri? DashboardLoginUrl { get; private set; }

    /// <summary>The dashboard's address (the login URL without path and token), or null.</summary>
    public Uri? DashboardUrl => DashboardLoginUrl is { } login ? new Uri(login.GetLeftPart(UriPartial.Authority) + "/") : null;

    public IReadOnlyList<AppResource> Api => Replicas("api");

    public IReadOnlyList<AppResource> Scraper => Replicas("scraper");

    public AppResource Redis => Replicas("redis").Single();

    public AppResource Postgres => Replicas("postgres").Single();

    public AppResource Gateway => Replicas("gateway").Single();

    /// <summary>Every resource replica an operator sees in the dashboard (Aspire's hidden helper resources and the
    /// parameters — the servers' passwords — left out).</summary>
    public IReadOnlyList<AppResource> Resources =>
        [.. _resources.Values.Where(r => !r.Snapshot.IsHidden && r.Snapshot.ResourceType != "Parameter").OrderBy(r => r.Name, StringComparer.Ordinal)];

    public IReadOnlyList<AppResource> Replicas(string resourceName) =>
        [.. Resources.Where(r => r.ResourceName == resourceName)];

    public static async Task<PlatformApp> StartAsync(PlatformAppOptions options, CancellationToken ct = default)
    {
        var elapsed = Stopwatch.StartNew();
        var data = Directory.CreateTempSubdirectory("platform-test-");
        // PostgreSQL runs as the postgres user, who must pass through the folder (CreateTempSubdirectory makes it 0700).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(data.FullName, File.GetUnixFileMode(data.FullName) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        var tag = Guid.NewGuid().ToString("N");

        List<string> args =
        [
            $"PLATFORM_API_REPLICAS={options.ApiReplicas}",
            $"PLATFORM_SCRAPER_REPLICAS={options.ScraperReplicas}",
            "PLATFORM_PORT=0",
            $"PLATFORM_DATA_DIR={data.FullName}",
            "PLATFORM_DURABLE_DATA=false",
            $"PLATFORM_RESTART_DELAY={options.RestartDelay:c}",
        ];
        args.AddRange(options.AppHostSettings.Select(setting => $"{setting.Key}={setting.Value}"));
        if (options.StaticFilesRoot is { } root)
        {
            args.Add($"PLATFORM_STATIC_ROOT={root}");
        }
        var builder = options.EnableDashboard
            // Aspire.Hosting.Testing 13.6 runs the dashboard on its own loopback ports with a fresh browser token, and
            // gives every project OTEL_EXPORTER_OTLP_ENDPOINT (the dashboard's OTLP endpoint). Plain http on loopback:
            // these machines have no developer certificate (see shared/ASPIRE.md).
            ? await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
                new DistributedApplicationTestingBuilderOptions { EnableDashboard = true }, [.. args, "ASPIRE_ALLOW_UNSECURED_TRANSPORT=true"], ct)
            : await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>([.. args], (app, _) => app.DisableDashboard = true, ct);
        if (options.OnlyResources is { } only)
        {
            // Parameters (the servers' passwords) stay: the servers kept need them.
            foreach (var resource in builder.Resources.Where(r => !only.Contains(r.Name) && r is not ParameterResource).ToList())
            {
                builder.Resources.Remove(resource);
            }
        }
        if (!options.EnableDashboard)
        {
            // Without a dashboard nothing listens on the OTLP endpoint Aspire hands out (localhost:4317), and the
            // exporters' in-memory retry would hold every service's shutdown for about 10 s.
            foreach (var project in builder.Resources.OfType<ProjectResource>())
            {
                builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", "");
            }
        }
        // Each resource carries the tag itself (its children inherit it): DCP creates a replica's process when its
        // dependencies are ready, and may take the environment then, when another app's tag is in this process's.
        foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>().ToList())
        {
            builder.CreateResourceBuilder(resource).WithEnvironment(ProcessProbe.TagVariable, tag);
        }
        AddEnvironment(builder, "api", options.ApiEnvironment);
        AddEnvironment(builder, "scraper", options.ScraperEnvironment);
        AddEnvironment(builder, "gateway", options.GatewayEnvironment);
        // Plain parameters (the admin password) are values, not processes: nothing to wait for. A given connection string
        // is a parameter too, and stays (its value is read below).
        var names = builder.Resources.Where(r => r is not ParameterResource || r is IResourceWithConnectionString).Select(r => r.Name).ToHashSet();
        var appHostLog = new AppHostLog();
        builder.Services.AddLogging(logging => logging.AddProvider(appHostLog));

        // DCP takes this process's environment whenever it is spawned (building the app may already do it): the tag is
        // in the environment from before the build until the app has started, one app at a time, and cleared after.
        // Otherwise an app's DCP could take another app's tag, whose clean-up would then count its processes as its own
        // (seen: a whole app killed 60 s after another app in this process was disposed).
        await s_launching.WaitAsync(ct);
        DistributedApplication distributed;
        PlatformApp platform;
        try
        {
            Environment.SetEnvironmentVariable(ProcessProbe.TagVariable, tag);
            distributed = await builder.BuildAsync(ct);
            platform = new PlatformApp(distributed, options, data.FullName, tag, appHostLog);
            platform.Watch();
        }
        catch
        {
            // Released here on a failed build, else once started (below): never held by an app that is not starting.
            Environment.SetEnvironmentVariable(ProcessProbe.TagVariable, null);
            s_launching.Release();
            throw;
        }
        try
        {
            using var startup = CancellationTokenSource.CreateLinkedTokenSource(ct);
            startup.CancelAfter(options.StartupTimeout);
            try
            {
                try
                {
                    await distributed.StartAsync(startup.Token);
                }
                finally
                {
                    Environment.SetEnvironmentVariable(ProcessProbe.TagVariable, null);
                    s_launching.Release();
                }
                await platform.WaitReadyAsync(names, startup.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"The app was not ready within {options.StartupTimeout.TotalSeconds:0} s.{Environment.NewLine}{platform.DescribeResources()}{Environment.NewLine}{platform.RecentLogs()}");
            }
            if (names.Contains("gateway"))
            {
                platform.GatewayUrl = distributed.GetEndpoint("gateway", "http");
            }
            if (names.Contains("redis"))
            {
                platform.RedisConnectionString = await distributed.GetConnectionStringAsync("redis", ct) ?? "";
            }
            if (names.Contains("platform"))
            {
                platform.PostgresConnectionString = await distributed.GetConnectionStringAsync("platform", ct) ?? "";
            }
            if (options.EnableDashboard)
            {
                using var dashboard = CancellationTokenSource.CreateLinkedTokenSource(ct);
                dashboard.CancelAfter(TimeSpan.FromMinutes(1));
                platform.DashboardLoginUrl = await distributed.GetDashboardUrlAsync(dashboard.Token);
            }
            platform.StartupDuration = elapsed.Elapsed;
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every resource replica healthy (the migration finished), as many replicas as asked for.</summary>
    private async Task WaitReadyAsync(HashSet<string> names, CancellationToken ct)
    {
        int Expected(string name) => name switch { "api" => _options.ApiReplicas, "scraper" => _options.ScraperReplicas, _ => 1 };
        while (!names.All(name =>
        {
            if (_options.AppHostSettings.ContainsKey($"ConnectionStrings:{name}"))
            {
                return true; // a server the app was given, not one it runs
            }
            var replicas = Replicas(name);
            if (replicas.Count == 0 && _resources.Values.Any(r => r.ResourceName == name && r.Snapshot.IsHidden))
            {
                return true; // an Aspire helper (the "rebuilder" of a project), not part of the app
            }
            return name == "migration"
                ? replicas.Any(r => r.Snapshot.State?.Text == KnownResourceStates.Finished && r.Snapshot.ExitCode == 0)
                : replicas.Count(r => r.Url is null ? r.State == AppResourceState.Healthy : r.IsRunning) >= Expected(name);
        }))
        {
            if (Replicas("migration").FirstOrDefault() is { Snapshot.ExitCode: not (null or 0) } failed)
            {
                throw new InvalidOperationException($"The migration failed.{Environment.NewLine}{string.Join(Environment.NewLine, failed.RecentLogLines(60))}");
            }
            await Task.Delay(100, ct);
        }
        // A service is ready when it answers /health on its own address (see AppResource.WaitHealthyAsync).
        await Task.WhenAll(Resources.Where(r => r.Url is not null).Select(r => r.WaitHealthyAsync(ct)));
    }

    private static void AddEnvironment(IDistributedApplicationTestingBuilder builder, string name, Dictionary<string, string> environment)
    {
        if (builder.Resources.OfType<ProjectResource>().FirstOrDefault(r => r.Name == name) is { } project)
        {
            var resource = builder.CreateResourceBuilder(project);
            foreach (var (key, value) in environment)
            {
                resource.WithEnvironment(key, value);
            }
        }
    }

    private void Watch()
    {
        var logs = _app.Services.GetRequiredService<ResourceLoggerService>();
        _watchers.Add(Task.Run(async () =>
        {
            try
            {
                await foreach (var update in _app.ResourceNotifications.WatchAsync(_watching.Token))
                {
                    var added = false;
                    var resource = _resources.GetOrAdd(update.ResourceId, id =>
                    {
                        added = true;
                        return new AppResource(_app, update.Resource.Name, id, update.Snapshot, Tag);
                    });
                    resource.Update(update.Snapshot);
                    if (added)
                    {
                        lock (_watchers)
                        {
                            _watchers.Add(Task.Run(() => FollowLogAsync(logs, resource)));
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }));
    }

    private async Task FollowLogAsync(ResourceLoggerService logs, AppResource resource)
    {
        try
        {
            await foreach (var batch in logs.WatchAsync(resource.Name).WithCancellation(_watching.Token))
            {
                foreach (var line in batch)
                {
                    resource.AddLogLine(line.Content);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Every process of this app still running: DCP, the dashboard, every resource and what they started.</summary>
    public HashSet<int> RunningProcesses() => ProcessProbe.RunningTagged(Tag);

    /// <summary>A table of the resources: id, state, pid, URL.</summary>
    public string DescribeResources()
    {
        var table = new StringBuilder();
        foreach (var r in Resources)
        {
            table.AppendLine($"  {r.Name,-24} {r.Snapshot.State?.Text,-10} {r.State,-10} pid {r.Pid?.ToString() ?? "-",-8} {r.Url}");
        }
        return table.ToString().TrimEnd();
    }

    /// <summary>The last lines the AppHost itself logged (crash restarts, resource states), oldest first.</summary>
    public IReadOnlyList<string> AppHostLogLines(int count = 200) => _appHostLog.Tail(count);

    /// <summary>The last lines every resource wrote, for a test failure message.</summary>
    public string RecentLogs(int linesPerResource = 40) =>
        string.Join(Environment.NewLine, Resources.Select(r =>
            $"--- {r.Name} (last {linesPerResource} lines) ---{Environment.NewLine}{string.Join(Environment.NewLine, r.RecentLogLines(linesPerResource).Select(l => $"[{r.Name}] {l}"))}"));

    /// <summary>
    /// With <c>PLATFORM_TEST_LOG_DIR</c> set (./test sets it), writes what this app's resources and AppHost last logged
    /// to <c>{dir}/{time}-{tag}.log</c> before it stops, so a failure in a run can be read afterwards.
    /// </summary>
    private void KeepLogs()
    {
        if (Environment.GetEnvironmentVariable("PLATFORM_TEST_LOG_DIR") is not { Length: > 0 } directory)
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, $"{DateTime.UtcNow:HHmmss}-{Tag[..8]}.log"),
                $"{DescribeResources()}{Environment.NewLine}--- apphost ---{Environment.NewLine}{string.Join(Environment.NewLine, AppHostLogLines())}{Environment.NewLine}{RecentLogs(300)}{Environment.NewLine}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Stops every resource (the services shut down gracefully) and lets go of DCP. DCP and its monitors take a few more
    /// seconds to exit; the data folder is deleted once they have (see <see cref="WaitStoppedAsync"/>), so the next app
    /// can start meanwhile.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        KeepLogs();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
            {
                // Disposal below still tears DCP down.
            }
        }
        await _app.DisposeAsync();
        await _watching.CancelAsync();
        await Task.WhenAll(_watchers.ToArray()).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _watching.Dispose();
        lock (s_stopping)
        {
            s_stopping.Add(_stopped = FinishStoppingAsync());
        }
    }

    private static readonly SemaphoreSlim s_launching = new(1, 1);
    private static readonly List<Task<IReadOnlyList<string>>> s_stopping = [];
    private Task<IReadOnlyList<string>>? _stopped;

    /// <summary>Once disposed: waits (up to a minute) until no process of this app runs; describes those still running.</summary>
    public Task<IReadOnlyList<string>> WaitStoppedAsync() =>
        _stopped ?? throw new InvalidOperationException("The app is not disposed.");

    /// <summary>Waits until no process of any app disposed in this test process runs; describes those still running.</summary>
    public static async Task<IReadOnlyList<string>> WaitAllStoppedAsync()
    {
        Task<IReadOnlyList<string>>[] stopping;
        lock (s_stopping)
        {
            stopping = [.. s_stopping];
        }
        return [.. (await Task.WhenAll(stopping)).SelectMany(left => left)];
    }

    private IEnumerable<int> Tagged()
    {
        foreach (var pid in ProcessProbe.RunningTagged(Tag))
        {
            yield return pid;
        }
    }

    private async Task<IReadOnlyList<string>> FinishStoppingAsync()
    {
        // DCP finishes stopping what it started after the AppHost lets go of it. Asked anew at every look: a process
        // started late (a replica restarted while the app stopped) counts too. What is still running after a minute is
        // reported, and killed so that it cannot outlive the test run.
        var pids = await ProcessProbe.StillRunningAfterAsync(Tagged(), TimeSpan.FromSeconds(60));
        var left = pids.Select(pid => ProcessProbe.Describe([pid])).ToList();
        foreach (var pid in pids.Where(pid => ProcessProbe.BelongsTo(pid, Tag)))
        {
            ProcessProbe.Kill(pid); // only while still ours: the number may name another app's process by now
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return left;
    }
}
