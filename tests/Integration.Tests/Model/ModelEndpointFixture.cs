using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Api.Formats.Model;
using Platform.Fixtures;
using Platform.Testing;

namespace Platform.Integration.Tests.Model;

/// <summary>Real Redis from the AppHost (nothing else of the app) and the local model server, shared by the ModelEndpoint tests.</summary>
public sealed class ModelEndpointFixture : IAsyncLifetime
{
    public PlatformApp App { get; private set; } = null!;
    public TestModelServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await TestModelServer.StartAsync();
        App = await PlatformApp.StartAsync(new PlatformAppOptions { OnlyResources = ["redis"] }, TestContext.Current.CancellationToken);
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
        if (App is not null)
        {
            await App.DisposeAsync();
        }
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ModelEndpointCollection : ICollectionFixture<ModelEndpointFixture>
{
    public const string Name = "model endpoint";
}
