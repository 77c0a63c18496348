using Platform.AppHost.Orchestration;

namespace Platform.Integration.Tests.Orchestration;

/// <summary>Only the embedded servers (no services, no gateway): what tests of Redis and PostgreSQL failures need.</summary>
public sealed class InfrastructureFixture : IAsyncLifetime
{
    public DistributedApp App { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        App = await DistributedApp.StartAsync(
            new DistributedAppOptions { ApiReplicas = 0, ScraperReplicas = 0, StartGateway = false, DurablePostgres = false, RestartBackoff = TimeSpan.FromMilliseconds(200) },
            TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InfrastructureCollection : ICollectionFixture<InfrastructureFixture>
{
    public const string Name = "Embedded Redis and PostgreSQL";
}
