namespace Platform.Testing;

/// <summary>What a test starts: the AppHost's topology with its replica counts and settings chosen by the test.</summary>
public sealed class PlatformAppOptions
{
    public int ApiReplicas { get; set; } = 2;

    public int ScraperReplicas { get; set; } = 2;

    /// <summary>Only these resources (and nothing that depends on others); null = the whole topology.
    /// <c>["redis"]</c> gives a Redis for tests of one service.</summary>
    public IReadOnlyList<string>? OnlyResources { get; set; }

    /// <summary>Files the gateway serves outside /api and /hubs; null = the built SPA.</summary>
    public string? StaticFilesRoot { get; set; }

    /// <summary>How long a crashed replica stays down before the AppHost starts it again.</summary>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Extra environment for every Api replica (configuration keys use __, e.g. JobLimits__RunningPerUser).
    /// Tests and benchmarks register many users and submit many jobs from one address within seconds, so the abuse limits
    /// are set far above the defaults here; tests of the limits set their own.</summary>
    public Dictionary<string, string> ApiEnvironment { get; } = new()
    {
        ["AbuseLimits__RegisterPerIp__PermitLimit"] = "1000000",
        ["AbuseLimits__LoginPerIp__PermitLimit"] = "1000000",
        ["AbuseLimits__LoginPerAccountPerIp__PermitLimit"] = "1000000",
        ["AbuseLimits__LoginPerAccount__PermitLimit"] = "1000000",
        ["AbuseLimits__SubmissionsPerUser__PermitLimit"] = "1000000",
    };

    public Dictionary<string, string> ScraperEnvironment { get; } = [];

    public Dictionary<string, string> GatewayEnvironment { get; } = new() { ["Gateway__HealthCheckInterval"] = "00:00:01" };

    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(7);

    /// <summary>More AppHost configuration (<c>KEY=value</c> arguments), e.g. <c>ConnectionStrings:redis</c> for servers
    /// the app must use instead of starting its own.</summary>
    public Dictionary<string, string> AppHostSettings { get; } = [];

    /// <summary>The operator's admin account, made by the migration step as <c>./run</c> makes it (PLATFORM_ADMIN_EMAIL and the
    /// secret parameter admin-password); registering never makes an admin.</summary>
    public PlatformAppOptions WithAdmin(string email, string password)
    {
        AppHostSettings["PLATFORM_ADMIN_EMAIL"] = email;
        AppHostSettings["Parameters:admin-password"] = password;
        return this;
    }

    /// <summary>Runs the Aspire dashboard beside the app, as an operator has it (the testing builder leaves it off by
    /// default): loopback ports chosen by Aspire, its own browser token, and every service exporting OTLP to it.
    /// <see cref="PlatformApp.DashboardLoginUrl"/> signs a browser in.</summary>
    public bool EnableDashboard { get; set; }
}
