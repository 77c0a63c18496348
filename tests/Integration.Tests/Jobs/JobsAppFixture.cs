using Npgsql;
using Platform.Testing;

namespace Platform.Integration.Tests.Jobs;

/// <summary>
/// The app the job-engine tests share, started through the AppHost: 2 Api replicas behind the gateway, Redis and
/// PostgreSQL, no scrapers. Short leases (3 s) so recovery is observable; the diagnostic format on so jobs can be slow or fail.
/// </summary>
public class JobsAppFixture : IAsyncLifetime
{
    public const string AdminEmail = "ops@jobs.test";
    public const string AdminPassword = "Operator-Passw0rd!";
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);

    /// <summary>A killed replica stays down long enough that "the other replica" is the one that recovers its job.</summary>
    public static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(6);

    public PlatformApp App { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;

    protected virtual void Configure(PlatformAppOptions options)
    {
    }

    public async ValueTask InitializeAsync()
    {
        var options = new PlatformAppOptions
        {
            ApiReplicas = 2,
            ScraperReplicas = 0,
            // A killed replica stays down long enough that "the other replica" is the one that recovers its job.
            RestartDelay = RestartDelay,
        };
        options.ApiEnvironment["Diagnostics__EnableFaultFormats"] = "true";
        options.ApiEnvironment["Leases__Duration"] = "00:00:03";
        options.ApiEnvironment["Leases__RenewInterval"] = "00:00:01";
        options.ApiEnvironment["Leases__RescueInterval"] = "00:00:00.500";
        options.ApiEnvironment["Coordination__LeaseDuration"] = "00:00:03";
        options.ApiEnvironment["Coordination__RenewInterval"] = "00:00:01";
        options.ApiEnvironment["Retries__BaseDelay"] = "00:00:00.050";
        options.ApiEnvironment["Retries__MaxDelay"] = "00:00:00.500";
        options.ApiEnvironment["SubmissionLimits__MaxTextChars"] = "10000";
        options.ApiEnvironment["SubmissionLimits__MaxBodyBytes"] = "65536";
        // The gateway answers 413 itself for a body the Api would refuse (Robustness/BadInputMatrixTests).
        options.GatewayEnvironment["Gateway__MaxRequestBodyBytes"] = "65536";
        options.ApiEnvironment["SubmissionLimits__MaxBatchItems"] = "5";
        options.ApiEnvironment["Capture__AllowPrivateNetworks"] = "false";
        options.WithAdmin(AdminEmail, AdminPassword);
        Configure(options);
        App = await PlatformApp.StartAsync(options, TestContext.Current.CancellationToken);
        Database = NpgsqlDataSource.Create(App.PostgresConnectionString);
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    public Task<UserSession> NewUserAsync(string? email = null) =>
        UserSession.RegisterAsync(this, email ?? $"user-{Guid.NewGuid():N}@jobs.test");

    /// <summary>The operator's admin (made by the migration step), signed in.</summary>
    public Task<UserSession> AdminAsync() => UserSession.SignInAsync(this, AdminEmail, AdminPassword);

    /// <summary>The Api replica a job's lease names (owner_instance is the replica's id, "api-x7k2abcd").</summary>
    public AppResource Replica(string instance) => App.Api.Single(r => r.Name == instance);

    public AppResource OtherReplica(string instance) => App.Api.First(r => r.Name != instance);

    /// <summary>Makes sure every replica (and Redis) is up again after a test killed, paused or stopped one.</summary>
    public async Task AllReplicasHealthyAsync()
    {
        if (App.Redis.State == AppResourceState.Exited)
        {
            await App.Redis.StartAsync();
        }
        foreach (var replica in App.Api)
        {
            if (replica.State == AppResourceState.Paused)
            {
                await replica.ResumeAsync();
            }
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await Task.WhenAll(App.Api.Append(App.Redis).Select(r => r.WaitHealthyAsync(timeout.Token)));
            // Answering on its own address too (a replica started again is Running before it listens).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            foreach (var replica in App.Api)
            {
                while (!await AnswersHealthAsync(http, replica, timeout.Token))
                {
                    await Task.Delay(100, timeout.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(
                $"The replicas were not healthy again within 60 s.{Environment.NewLine}{App.DescribeResources()}{Environment.NewLine}" +
                $"AppHost:{Environment.NewLine}{string.Join(Environment.NewLine, App.AppHostLogLines(60))}");
        }
    }

    private static async Task<bool> AnswersHealthAsync(HttpClient http, AppResource replica, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(replica.Url!, "/health"), ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return false; // refused, or no answer within the client's timeout
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class JobsCollection : ICollectionFixture<JobsAppFixture>
{
    public const string Name = "Jobs engine (2 Api replicas)";
}
