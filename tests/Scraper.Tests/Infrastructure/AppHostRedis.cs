using Platform.Testing;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Platform.Scraper.Tests.Infrastructure.AppHostRedis))]

namespace Platform.Scraper.Tests.Infrastructure;

/// <summary>The AppHost's Redis (started through Aspire.Hosting.Testing, nothing else), shared by the whole assembly.</summary>
public sealed class AppHostRedis : IAsyncLifetime
{
    public PlatformApp App { get; private set; } = null!;

    public string ConnectionString => App.RedisConnectionString;

    public async ValueTask InitializeAsync() =>
        App = await PlatformApp.StartAsync(new PlatformAppOptions { OnlyResources = ["redis"] }, TestContext.Current.CancellationToken);

    /// <summary>An empty Redis for the next fixture: test classes run one after another and must not see each other's leases.</summary>
    public async Task FlushAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin=true");
        foreach (var server in redis.GetServers())
        {
            await server.FlushAllDatabasesAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
