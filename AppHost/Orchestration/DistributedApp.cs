using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text;
using Platform.AppHost.Gateway;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// The whole Platform on one machine: Redis and PostgreSQL (embedded unless connection strings are given), the
/// database migrated, Api and Scraper replicas as supervised child processes wired with Aspire's environment
/// conventions, and the gateway. Used by AppHost's Program and by tests, which kill, pause or restart any part.
/// </summary>
public sealed class DistributedApp : IAsyncDisposable
{
    private readonly DistributedAppOptions _options;
    private readonly string _tag = $"{ProcessTree.OwnerToken}/{Guid.NewGuid():N}";
    private readonly ResourceLog _log;
    private readonly List<ResourceLog> _toolLogs = [];
    private readonly List<ProcessResource> _infrastructure = [];
    private readonly List<ProcessResource> _api = [];
    private readonly List<ProcessResource> _scraper = [];
    private GatewayResource? _gateway;
    private bool _ownsDataDirectory;
    private int _disposed;

    private DistributedApp(DistributedAppOptions options)
    {
        _options = options;
        _log = NewLog("apphost");
    }

    public Resource Redis { get; private set; } = null!;

    public Resource Postgres { get; private set; } = null!;

    public IReadOnlyList<Resource> Api => _api;

    public IReadOnlyList<Resource> Scraper => _scraper;

    public Resource Gateway => _gateway ?? throw new InvalidOperationException("The gateway was not started (StartGateway = false).");

    public Uri GatewayUrl => Gateway.Url!;

    /// <summary>What the services get as ConnectionStrings__redis.</summary>
    public string RedisConnectionString { get; private set; } = "";

    /// <summary>What the services get as ConnectionStrings__platform.</summary>
    public string PostgresConnectionString { get; private set; } = "";

    public string DataDirectory { get; private set; } = "";

    public TimeSpan StartupDuration { get; private set; }

    /// <summary>Every resource in start order: infrastructure, Scraper, Api, gateway.</summary>
    public IReadOnlyList<Resource> Resources =>
        [Redis, Postgres, .. _scraper, .. _api, .. _gateway is null ? Array.Empty<Resource>() : [_gateway]];

    public static async Task<DistributedApp> StartAsync(DistributedAppOptions options, CancellationToken ct = default)
    {
        options.Validate();
        var app = new DistributedApp(options);
        try
        {
            await app.StartCoreAsync(ct);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        var elapsed = Stopwatch.StartNew();
        using var startup = CancellationTokenSource.CreateLinkedTokenSource(ct);
        startup.CancelAfter(_options.StartupTimeout);
        try
        {
            await KillProcessesOfDeadAppHostsAsync();
            PrepareDataDirectory();
            var ports = FreePorts.Allocate(2 + _options.ApiReplicas + _options.ScraperReplicas);

            var (redisPort, postgresPort) = (ports.Dequeue(), ports.Dequeue());
            RedisConnectionString = _options.RedisConnectionString is { Length: > 0 } redis ? redis : EmbeddedRedis.ConnectionString(redisPort);
            PostgresConnectionString = _options.PostgresConnectionString is { Length: > 0 } postgres ? postgres : EmbeddedPostgres.ConnectionString(postgresPort);

            var scraperUrls = Enumerable.Range(0, _options.ScraperReplicas).Select(_ => new Uri($"http://127.0.0.1:{ports.Dequeue()}/")).ToList();
            var apiUrls = Enumerable.Range(0, _options.ApiReplicas).Select(_ => new Uri($"http://127.0.0.1:{ports.Dequeue()}/")).ToList();
            _scraper.AddRange(scraperUrls.Select((url, i) => Service("Scraper", "scraper", i, url, ScraperEnvironment())));
            _api.AddRange(apiUrls.Select((url, i) => Service("Api", "api", i, url, ApiEnvironment(scraperUrls))));

            // Only the Api waits for anything (PostgreSQL, then the migration). Scrapers (Chromium) and the gateway
            // start at once; they reach Redis when it is up.
            await WhenAllFailFastAsync(startup,
                StartInfrastructureThenApiAsync(redisPort, postgresPort, startup.Token),
                StartServicesAsync(_scraper, startup.Token),
                StartGatewayAsync(startup.Token));
        }
        catch (OperationCanceledException) when (startup.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Platform was not ready within {_options.StartupTimeout.TotalSeconds:0} s. Not healthy: " +
                $"{string.Join(", ", AllStarted().Where(r => r.State != ResourceState.Healthy))}{Environment.NewLine}{RecentLogs()}");
        }
        finally
        {
            await startup.CancelAsync(); // stop health waits still running after a failure
        }

        StartupDuration = elapsed.Elapsed;
        AppHostMetrics.StartupDuration.Record(StartupDuration.TotalSeconds);
        _log.Write($"ready in {StartupDuration.TotalSeconds:0.0} s{Environment.NewLine}{DescribeResources()}");
        // What a service started by hand (or under a debugger) needs to join this app's servers.
        _log.Write($"ConnectionStrings__redis={RedisConnectionString}");
        _log.Write($"ConnectionStrings__platform={PostgresConnectionString}");
    }

    private async Task StartInfrastructureThenApiAsync(int redisPort, int postgresPort, CancellationToken ct)
    {
        await StartInfrastructureAsync(redisPort, postgresPort, ct);
        if (_options.MigrateDatabase ?? _options.ApiReplicas > 0)
        {
            await MigrateAsync(ct);
        }
        await StartServicesAsync(_api, ct);
    }

    private async Task StartServicesAsync(IReadOnlyList<ProcessResource> services, CancellationToken ct)
    {
        await Task.WhenAll(services.Select(s => s.StartAsync(ct)));
        await WaitHealthyOrFailAsync(services, ct);
    }

    private async Task StartGatewayAsync(CancellationToken ct)
    {
        if (_options.StartGateway)
        {
            _gateway = await GatewayResource.StartAsync(
                new GatewaySettings(_options.GatewayPort, StaticFilesRoot(), _options.EnvironmentName, _options.GatewayHealthCheckInterval),
                _api, NewLog("gateway"), ct);
        }
    }

    /// <summary>Awaits every branch; the first to fail cancels the others, and its exception (not their cancellation) is thrown.</summary>
    private static async Task WhenAllFailFastAsync(CancellationTokenSource startup, params Task[] branches)
    {
        var watched = branches.Select(async branch =>
        {
            try
            {
                await branch;
            }
            catch
            {
                await startup.CancelAsync();
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(watched);
        }
        catch
        {
            var cause = watched.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                ExceptionDispatchInfo.Throw(cause);
            }
            throw;
        }
    }

    private async Task StartInfrastructureAsync(int redisPort, int postgresPort, CancellationToken ct)
    {
        var supervision = Supervision();
        var starting = new List<ProcessResource>();
        var external = new List<Resource>();

        if (_options.RedisConnectionString is { Length: > 0 })
        {
            Redis = new ExternalResource("redis", NewLog("redis"), HealthProbes.RedisPing(RedisConnectionString));
            external.Add(Redis);
        }
        else
        {
            var resource = new ProcessResource("redis", EmbeddedRedis.Spec(DataDirectory, redisPort), _tag, supervision, NewLog("redis"), _log);
            Redis = resource;
            _infrastructure.Add(resource);
            starting.Add(resource);
            await resource.StartAsync(ct); // before initdb, which can take seconds: the scrapers wait for Redis
        }

        if (_options.PostgresConnectionString is { Length: > 0 })
        {
            Postgres = new ExternalResource("postgres", NewLog("postgres"), HealthProbes.PostgresQuery(PostgresConnectionString));
            external.Add(Postgres);
        }
        else
        {
            var log = NewLog("postgres");
            var spec = await EmbeddedPostgres.PrepareAsync(DataDirectory, postgresPort, _options.DurablePostgres, $"{_tag}/postgres-init", log, ct);
            var resource = new ProcessResource("postgres", spec, _tag, supervision, log, _log);
            Postgres = resource;
            _infrastructure.Add(resource);
            starting.Add(resource);
            await resource.StartAsync(ct);
        }

        await Task.WhenAll(external.Select(r => r.WaitHealthyAsync(ct)).Append(WaitHealthyOrFailAsync(starting, ct)));
        if (Postgres is ProcessResource)
        {
            await EmbeddedPostgres.EnsureDatabaseAsync(postgresPort, ct);
        }
    }

    private async Task MigrateAsync(CancellationToken ct)
    {
        var assembly = ServiceArtifacts.ServiceAssembly("Api", _options.ArtifactsRoot);
        var log = NewLog("api-migrate");
        _toolLogs.Add(log);
        var elapsed = Stopwatch.StartNew();
        await ChildProcess.RunToCompletionAsync(
            new ProcessSpec
            {
                FileName = ServiceArtifacts.DotnetHost(),
                Arguments = [assembly, "--migrate"],
                WorkingDirectory = Path.GetDirectoryName(assembly),
                Environment = ServiceEnvironment("api", "api-migrate", url: null, _options.ApiEnvironment),
                Probe = _ => Task.FromResult(true),
            },
            $"{_tag}/api-migrate", log, TimeSpan.FromMinutes(3), ct);
        _log.Write($"database migrated in {elapsed.Elapsed.TotalSeconds:0.0} s");
    }

    private ProcessResource Service(string project, string service, int index, Uri url, Dictionary<string, string> environment)
    {
        var name = $"{service}-{index}";
        var assembly = ServiceArtifacts.ServiceAssembly(project, _options.ArtifactsRoot);
        foreach (var (key, value) in ServiceEnvironment(service, name, url, new Dictionary<string, string>()))
        {
            environment.TryAdd(key, value);
        }
        var spec = new ProcessSpec
        {
            FileName = ServiceArtifacts.DotnetHost(),
            Arguments = [assembly],
            // The content root (appsettings.json) is the working directory by default.
            WorkingDirectory = Path.GetDirectoryName(assembly),
            Environment = environment,
            Url = url,
            Probe = HealthProbes.Http200(url),
        };
        return new ProcessResource(name, spec, _tag, Supervision(), NewLog(name), _log);
    }

    private Dictionary<string, string> ApiEnvironment(IReadOnlyList<Uri> scraperUrls)
    {
        var environment = new Dictionary<string, string>(_options.ApiEnvironment);
        for (var i = 0; i < scraperUrls.Count; i++)
        {
            // Aspire's service discovery convention: services__{service}__{endpoint}__{index}.
            environment.TryAdd($"services__scraper__http__{i}", scraperUrls[i].GetLeftPart(UriPartial.Authority));
        }
        return environment;
    }

    private Dictionary<string, string> ScraperEnvironment() => new(_options.ScraperEnvironment);

    /// <summary>Aspire's conventions, so the services would run unchanged under a real Aspire AppHost.</summary>
    private Dictionary<string, string> ServiceEnvironment(string service, string instance, Uri? url, IReadOnlyDictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = _options.EnvironmentName,
            ["DOTNET_ENVIRONMENT"] = _options.EnvironmentName,
            ["ConnectionStrings__redis"] = RedisConnectionString,
            ["ConnectionStrings__platform"] = PostgresConnectionString,
            ["OTEL_SERVICE_NAME"] = service,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instance}",
            // The replicas are reachable only on loopback, through the gateway, so its X-Forwarded-* can be trusted.
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            // One line per log entry, so the "[api-0]" prefix marks every line.
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        if (url is not null)
        {
            environment["ASPNETCORE_URLS"] = url.GetLeftPart(UriPartial.Authority);
        }
        if (Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }
        return environment;
    }

    private async Task WaitHealthyOrFailAsync(IReadOnlyList<ProcessResource> resources, CancellationToken ct)
    {
        await Task.WhenAll(resources.Select(async resource =>
        {
            var healthy = resource.WaitHealthyAsync(ct);
            if (await Task.WhenAny(healthy, resource.FirstCrash) != healthy)
            {
                throw new InvalidOperationException(
                    $"{resource.Name} exited with code {resource.LastExitCode} before it became healthy.{Environment.NewLine}{Tail(resource.Log, 40)}");
            }
            await healthy;
        }));
    }

    private void PrepareDataDirectory()
    {
        if (_options.DataDirectory is { Length: > 0 } configured)
        {
            DataDirectory = Path.GetFullPath(configured);
            Directory.CreateDirectory(DataDirectory);
        }
        else
        {
            DataDirectory = Directory.CreateTempSubdirectory("platform-apphost-").FullName;
            _ownsDataDirectory = true;
        }
        if (Posix.IsRoot && !OperatingSystem.IsWindows())
        {
            // CreateTempSubdirectory makes it 0700; the postgres user must be able to pass through it.
            File.SetUnixFileMode(DataDirectory, File.GetUnixFileMode(DataDirectory) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>If a previous AppHost was SIGKILLed, its children died with it (PDEATHSIG), but not necessarily theirs.</summary>
    private async Task KillProcessesOfDeadAppHostsAsync()
    {
        var killed = await ProcessTree.KillAllAsync(() => ProcessTree.Members(tag => !ProcessTree.IsOwnerAlive(tag)), TimeSpan.FromSeconds(10));
        if (killed > 0)
        {
            _log.Write($"killed {killed} process(es) left by an AppHost that is no longer running");
        }
    }

    private string StaticFilesRoot() =>
        _options.StaticFilesRoot ?? Path.Combine(ServiceArtifacts.RepositoryRoot, "web-spa", "dist");

    private SupervisionSettings Supervision() =>
        new(_options.RestartBackoff, _options.MaxRestartBackoff, StableAfter: TimeSpan.FromSeconds(60), _options.StopTimeout);

    private ResourceLog NewLog(string name) => new(name, _options.LogLinesPerResource, _options.LogToConsole);

    private IEnumerable<Resource> AllStarted() =>
        new Resource?[] { Redis, Postgres }.OfType<Resource>().Concat(_scraper).Concat(_api).Concat(_gateway is null ? [] : [_gateway]);

    /// <summary>A table of the resources: name, state, pid, URL.</summary>
    public string DescribeResources()
    {
        List<(string Name, string State, string Pid, string Url)> rows = [("RESOURCE", "STATE", "PID", "URL")];
        rows.AddRange(AllStarted().Select(r => (r.Name, r.State.ToString(), r switch
        {
            GatewayResource => $"{r.Pid} (apphost)",
            ExternalResource => "external",
            _ => r.Pid?.ToString() ?? "-",
        }, r.Url?.ToString() ?? "-")));
        var widths = (rows.Max(r => r.Name.Length), rows.Max(r => r.State.Length), rows.Max(r => r.Pid.Length));
        var table = new StringBuilder();
        foreach (var row in rows)
        {
            table.AppendLine($"  {row.Name.PadRight(widths.Item1)}  {row.State.PadRight(widths.Item2)}  {row.Pid.PadRight(widths.Item3)}  {row.Url}");
        }
        return table.ToString().TrimEnd();
    }

    /// <summary>The last lines of every resource's output, for a test failure message.</summary>
    public string RecentLogs(int linesPerResource = 40) =>
        string.Join(Environment.NewLine, new[] { _log }.Concat(_toolLogs).Concat(AllStarted().Select(r => r.Log)).Select(log => Tail(log, linesPerResource)));

    private static string Tail(ResourceLog log, int lines) =>
        $"--- {log.Name} (last {lines} lines) ---{Environment.NewLine}{string.Join(Environment.NewLine, log.Tail(lines).Select(l => $"[{log.Name}] {l}"))}";

    /// <summary>Stops the gateway, then the services, then Redis and PostgreSQL, each gracefully then by SIGKILL, and
    /// makes sure no process this app started (or they started) is left.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        var elapsed = Stopwatch.StartNew();
        if (_gateway is not null)
        {
            await StopQuietlyAsync(_gateway.Name, _gateway.StopAsync);
        }
        await Task.WhenAll(_api.Concat(_scraper).Select(r => StopQuietlyAsync(r.Name, r.StopAsync)));
        await Task.WhenAll(_infrastructure.Select(r => StopQuietlyAsync(r.Name, r.StopAsync)));
        await StopQuietlyAsync("leftovers", async () =>
        {
            var killed = await ProcessTree.KillAllAsync(() => ProcessTree.Members(tag => tag.StartsWith(_tag + "/", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
            if (killed > 0)
            {
                _log.Write($"killed {killed} leftover process(es)");
            }
        });
        if (_ownsDataDirectory)
        {
            await StopQuietlyAsync("data directory", () =>
            {
                Directory.Delete(DataDirectory, recursive: true);
                return Task.CompletedTask;
            });
        }
        _log.Write($"stopped in {elapsed.Elapsed.TotalSeconds:0.0} s");
    }

    private async Task StopQuietlyAsync(string what, Func<Task> stop)
    {
        try
        {
            await stop();
        }
        catch (Exception e)
        {
            _log.Write($"stopping {what} failed: {e.Message}");
        }
    }
}
