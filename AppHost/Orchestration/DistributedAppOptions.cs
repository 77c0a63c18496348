namespace Platform.AppHost.Orchestration;

/// <summary>What to start. The defaults are the full topology with embedded servers in a fresh temporary directory.</summary>
public sealed class DistributedAppOptions
{
    public int ApiReplicas { get; set; } = 2;

    public int ScraperReplicas { get; set; } = 2;

    public bool StartGateway { get; set; } = true;

    /// <summary>0 = a free port on 127.0.0.1 (tests); otherwise that port on localhost (IPv4 and IPv6 loopback).</summary>
    public int GatewayPort { get; set; }

    /// <summary>An existing Redis (StackExchange.Redis syntax); null = start redis-server.</summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>An existing PostgreSQL database (Npgsql syntax); null = start PostgreSQL and create database "platform".</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>Where embedded servers keep their data (redis/, postgres/); null = a fresh temporary directory deleted on dispose.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Files the gateway serves outside /api and /hubs, with SPA fallback to index.html; null = &lt;repo&gt;/web-spa/dist.</summary>
    public string? StaticFilesRoot { get; set; }

    /// <summary>Extra environment for every Api replica (configuration keys use __, e.g. JobLimits__RunningPerUser).</summary>
    public Dictionary<string, string> ApiEnvironment { get; } = [];

    /// <summary>Extra environment for every Scraper replica.</summary>
    public Dictionary<string, string> ScraperEnvironment { get; } = [];

    /// <summary>ASPNETCORE_ENVIRONMENT / DOTNET_ENVIRONMENT for the services and the gateway.</summary>
    public string EnvironmentName { get; set; } =
        Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is { Length: > 0 } aspNet ? aspNet
        : Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } dotnet ? dotnet
        : "Development";

    /// <summary>Echo every resource's output to the console as "[name] line". Either way the last lines are kept per resource.</summary>
    public bool LogToConsole { get; set; }

    public int LogLinesPerResource { get; set; } = 1000;

    /// <summary>Run <c>Api --migrate</c> before the replicas start; null = when there are Api replicas.</summary>
    public bool? MigrateDatabase { get; set; }

    /// <summary>false = fsync off in embedded PostgreSQL: faster, and only a machine crash (not a process crash) loses data. For tests.</summary>
    public bool DurablePostgres { get; set; } = true;

    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How long a process gets to stop after its stop signal before SIGKILL.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First delay before restarting a crashed process; doubles per consecutive crash up to <see cref="MaxRestartBackoff"/>.</summary>
    public TimeSpan RestartBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRestartBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the gateway checks each Api replica's /health.</summary>
    public TimeSpan GatewayHealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The artifacts folder holding bin/Api and bin/Scraper; null = PLATFORM_ARTIFACTS or the one AppHost was built into.</summary>
    public string? ArtifactsRoot { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ApiReplicas);
        ArgumentOutOfRangeException.ThrowIfNegative(ScraperReplicas);
        ArgumentOutOfRangeException.ThrowIfNegative(GatewayPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(GatewayPort, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(LogLinesPerResource, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartupTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(GatewayHealthCheckInterval, TimeSpan.Zero);
    }
}
