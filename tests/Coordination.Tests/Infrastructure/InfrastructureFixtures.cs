using System.Net;
using System.Net.Sockets;
using Platform.Testing;

namespace Platform.Coordination.Tests.Infrastructure;

/// <summary>Only the AppHost's Redis (started through Aspire.Hosting.Testing): no services, no gateway.</summary>
public abstract class InfrastructureFixture : IAsyncLifetime
{
    public PlatformApp App { get; private set; } = null!;

    public string ConnectionString => App.RedisConnectionString;

    public async ValueTask InitializeAsync() =>
        App = await PlatformApp.StartAsync(new PlatformAppOptions { OnlyResources = ["redis"] }, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    /// <summary>A loopback port nothing listens on (for "Redis cannot be reached").</summary>
    public static int UnusedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One Redis shared by the "redis" collection, whose tests run one after another and never disturb the server.</summary>
public sealed class RedisFixture : InfrastructureFixture;

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

/// <summary>A second Redis for tests that pause, restart or flush it, so the shared one is never disturbed.</summary>
public sealed class OutageRedisFixture : InfrastructureFixture;

[CollectionDefinition(Name)]
public sealed class RedisOutageCollection : ICollectionFixture<OutageRedisFixture>
{
    public const string Name = "redis outages";
}
