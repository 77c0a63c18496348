using Platform.Testing;
using Platform.Integration.Tests.Jobs;

namespace Platform.Integration.Tests.Capture;

/// <summary>
/// The job engine's app (leases, fast retries, gateway) reshaped for URL captures: one Api replica, one Scraper with a
/// real Chromium, and private networks allowed on both sides because the page it captures is served on 127.0.0.1.
/// </summary>
public sealed class ChromiumCrashFixture : JobsAppFixture
{
    protected override void Configure(PlatformAppOptions options)
    {
        options.ApiReplicas = 1;
        options.ScraperReplicas = 1;
        // Chromium's first launch plus migrations on a shared 2-core machine.
        options.StartupTimeout = TimeSpan.FromMinutes(5);
        options.ApiEnvironment["Capture__AllowPrivateNetworks"] = "true";
        options.ScraperEnvironment["Capture__AllowPrivateNetworks"] = "true";
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChromiumCrashCollection : ICollectionFixture<ChromiumCrashFixture>
{
    public const string Name = "chromium-crash";
}
