using Platform.Fixtures;
using Platform.Testing;

namespace Platform.Integration.Tests.Model;

/// <summary>Two Api replicas behind the gateway (started through the AppHost), real Redis and PostgreSQL, and the local model server as their endpoint.</summary>
public sealed class ModelJobsFixture : IAsyncLifetime
{
    public PlatformApp App { get; private set; } = null!;
    public TestModelServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await TestModelServer.StartAsync();
        var options = new PlatformAppOptions { ApiReplicas = 2, ScraperReplicas = 0 };
        options.ApiEnvironment["ConnectionStrings__model"] = Server.ConnectionString;
        options.ApiEnvironment["Model__MaxConcurrentCalls"] = "3";
        // Three jobs per replica at most, so six running jobs must span both replicas.
        options.ApiEnvironment["JobLimits__ExecutorSlotsPerReplica"] = "3";
        options.ApiEnvironment["JobLimits__TaskParallelism"] = "8";
        options.ApiEnvironment["Retries__BaseDelay"] = "00:00:00.200";
        App = await PlatformApp.StartAsync(options, TestContext.Current.CancellationToken);
    }

    public Task<JobApiClient> NewUserAsync(CancellationToken ct) =>
        JobApiClient.SignUpAsync(App.GatewayUrl, $"model-{Guid.NewGuid():N}@example.test", ct);

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
public sealed class ModelJobsCollection : ICollectionFixture<ModelJobsFixture>
{
    public const string Name = "model jobs";
}
