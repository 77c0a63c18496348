using Microsoft.Extensions.Configuration;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// AppHost's settings: environment variables, overridden by command-line switches.
/// <code>
///   --port N              PLATFORM_PORT              gateway port (8080)
///   --api-replicas N      PLATFORM_API_REPLICAS      (2)
///   --scraper-replicas N  PLATFORM_SCRAPER_REPLICAS  (2)
///   --data-dir PATH       PLATFORM_DATA_DIR          embedded Redis/PostgreSQL data (&lt;repo&gt;/.data)
///   --static-root PATH    PLATFORM_STATIC_ROOT       the built SPA (&lt;repo&gt;/web-spa/dist)
///                         ConnectionStrings__redis, ConnectionStrings__platform: use these servers, start none
/// </code>
/// </summary>
public static class AppHostConfiguration
{
    private static readonly Dictionary<string, string> Switches = new()
    {
        ["--port"] = "PLATFORM_PORT",
        ["--api-replicas"] = "PLATFORM_API_REPLICAS",
        ["--scraper-replicas"] = "PLATFORM_SCRAPER_REPLICAS",
        ["--data-dir"] = "PLATFORM_DATA_DIR",
        ["--static-root"] = "PLATFORM_STATIC_ROOT",
    };

    public static DistributedAppOptions FromArgsAndEnvironment(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(args, Switches)
            .Build();

        return new DistributedAppOptions
        {
            GatewayPort = configuration.GetValue("PLATFORM_PORT", 8080),
            ApiReplicas = configuration.GetValue("PLATFORM_API_REPLICAS", 2),
            ScraperReplicas = configuration.GetValue("PLATFORM_SCRAPER_REPLICAS", 2),
            DataDirectory = configuration["PLATFORM_DATA_DIR"] ?? Path.Combine(ServiceArtifacts.RepositoryRoot, ".data"),
            StaticFilesRoot = configuration["PLATFORM_STATIC_ROOT"],
            RedisConnectionString = configuration.GetConnectionString("redis"),
            PostgresConnectionString = configuration.GetConnectionString("platform"),
            LogToConsole = true,
        };
    }
}
