using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Api.Formats.Model;
using Platform.AppHost.Orchestration;
using Platform.Fixtures;

namespace Platform.Integration.Tests.Model;

/// <summary>Real Redis (no Api replicas) and the local model server, shared by the ModelEndpoint tests.</summary>
public sealed class ModelEndpointFixture : IAsyncLifetime
{
    public DistributedApp App { get; private set; } = null!;
    public TestModelServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await TestModelServer.StartAsync();
        App = await DistributedApp.StartAsync(new DistributedAppOptions
        {
            ApiReplicas = 0, ScraperReplicas = 0, StartGateway = false, DurablePostgres = false,
        }, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// One in-process "replica": the Api's own registration (AddRedisClient + AddModelFormats) over the shared Redis.
    /// Each host has its own Redis connection, so two hosts compete for the semaphore like two Api processes.
    /// </summary>
    public IHost Replica(IDictionary<string, string?>? settings = null, bool withModel = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = App.RedisConnectionString,
            ["ConnectionStrings:model"] = withModel ? Server.ConnectionString : null,
            ["Model:IdleTimeout"] = "00:00:05",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Services.AddLogging();
        builder.AddRedisClient("redis", configureOptions: RedisClientDefaults.Apply);
        builder.AddModelFormats();
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ModelEndpointCollection : ICollectionFixture<ModelEndpointFixture>
{
    public const string Name = "model endpoint";
}
