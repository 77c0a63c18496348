using Platform.Testing;
using Platform.Integration.Tests.Jobs;

namespace Platform.Integration.Tests.Capture;

/// <summary>
/// The job engine's app (gateway, fast task retries) reshaped for URL captures in the default topology: two Api replicas,
/// two Scrapers with a real Chromium each, private networks allowed on both sides because the captured pages are served
/// on 127.0.0.x, and the default leases: a capture burst must not lose a lease to a loaded machine.
/// </summary>
public sealed class CaptureAppFixture : JobsAppFixture
{
    protected override void Configure(PlatformAppOptions options)
    {
        options.ApiReplicas = 2;
        options.ScraperReplicas = 2;
        // Chromium's first launch plus migrations on a shared 2-core machine.
        options.StartupTimeout = TimeSpan.FromMinutes(5);
        foreach (var key in new[] { "Leases__Duration", "Leases__RenewInterval", "Leases__RescueInterval", "Coordination__LeaseDuration", "Coordination__RenewInterval" })
        {
            options.ApiEnvironment.Remove(key);
        }
        options.ApiEnvironment["Capture__AllowPrivateNetworks"] = "true";
        options.ScraperEnvironment["Capture__AllowPrivateNetworks"] = "true";
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CaptureCollection : ICollectionFixture<CaptureAppFixture>
{
    public const string Name = "capture";
}
