namespace Platform.AppHost;

/// <summary>
/// What the AppHost starts, from its configuration (environment variables or <c>KEY=value</c> arguments; ./run maps
/// its switches onto them):
/// <code>
///   PLATFORM_PORT              (8080)          the gateway's public port on localhost; 0 = one DCP picks (tests)
///   PLATFORM_API_REPLICAS      (2)
///   PLATFORM_SCRAPER_REPLICAS  (2)
///   PLATFORM_DATA_DIR          (&lt;repo&gt;/.data) Redis and PostgreSQL files
///   PLATFORM_STATIC_ROOT       (&lt;repo&gt;/web-spa/dist) the built SPA the gateway serves
///   PLATFORM_RESTART_DELAY     (00:00:02)      how long a crashed replica stays down before it is started again
///   PLATFORM_STOP_TIMEOUT      (00:00:30)      how long a service replica may take to shut down gracefully
///   PLATFORM_DURABLE_DATA      (true)          false = PostgreSQL without fsync (tests only)
///   ConnectionStrings__redis, ConnectionStrings__platform: use these servers and start none
/// </code>
/// </summary>
public sealed record AppHostSettings(
    int Port, int ApiReplicas, int ScraperReplicas, string DataDirectory, string StaticFilesRoot, TimeSpan RestartDelay, TimeSpan StopTimeout, bool DurableData)
{
    public static AppHostSettings From(IDistributedApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var settings = new AppHostSettings(
            Port: configuration.GetValue("PLATFORM_PORT", 8080),
            ApiReplicas: configuration.GetValue("PLATFORM_API_REPLICAS", 2),
            ScraperReplicas: configuration.GetValue("PLATFORM_SCRAPER_REPLICAS", 2),
            DataDirectory: Path.GetFullPath(configuration["PLATFORM_DATA_DIR"] ?? Path.Combine(repository, ".data")),
            StaticFilesRoot: Path.GetFullPath(configuration["PLATFORM_STATIC_ROOT"] ?? Path.Combine(repository, "web-spa", "dist")),
            RestartDelay: configuration.GetValue("PLATFORM_RESTART_DELAY", TimeSpan.FromSeconds(2)),
            StopTimeout: configuration.GetValue("PLATFORM_STOP_TIMEOUT", TimeSpan.FromSeconds(30)),
            DurableData: configuration.GetValue("PLATFORM_DURABLE_DATA", true));
        settings.Validate();
        return settings;
    }

    private void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "PLATFORM_PORT must be a TCP port (0 = any).");
        }
        if (ApiReplicas < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ApiReplicas), ApiReplicas, "PLATFORM_API_REPLICAS must be at least 1.");
        }
        if (ScraperReplicas < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ScraperReplicas), ScraperReplicas, "PLATFORM_SCRAPER_REPLICAS cannot be negative.");
        }
        if (RestartDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RestartDelay), RestartDelay, "PLATFORM_RESTART_DELAY cannot be negative.");
        }
        if (StopTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StopTimeout), StopTimeout, "PLATFORM_STOP_TIMEOUT must be positive.");
        }
    }
}
