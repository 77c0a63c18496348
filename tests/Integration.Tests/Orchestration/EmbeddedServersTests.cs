using Npgsql;
using Platform.AppHost.Orchestration;
using Platform.Integration.Tests.Infrastructure;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Orchestration;

[Collection(InfrastructureCollection.Name)]
public sealed class EmbeddedServersTests(InfrastructureFixture fixture) : DistributedAppTest(() => fixture.App)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public void Only_redis_and_postgres_run_when_no_services_are_asked_for()
    {
        Assert.Equal(["redis", "postgres"], fixture.App.Resources.Select(r => r.Name));
        Assert.Empty(fixture.App.Api);
        Assert.Throws<InvalidOperationException>(() => fixture.App.GatewayUrl);
        Assert.StartsWith("Host=127.0.0.1;", fixture.App.PostgresConnectionString);
        Assert.Contains("Database=platform", fixture.App.PostgresConnectionString);
    }

    [Fact]
    public async Task Restarted_redis_comes_back_empty_on_the_same_port()
    {
        var redis = fixture.App.Redis;
        var (pidBefore, restartsBefore) = (redis.Pid, redis.RestartCount);
        await using (var before = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString))
        {
            await before.GetDatabase().StringSetAsync("survives-restart?", "no");
        }

        await redis.RestartAsync(_ct);

        Assert.Equal(ResourceState.Healthy, redis.State);
        Assert.NotEqual(pidBefore, redis.Pid);
        Assert.Equal(restartsBefore + 1, redis.RestartCount);
        await using var after = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString); // same address
        Assert.False((await after.GetDatabase().StringGetAsync("survives-restart?")).HasValue);
        Assert.Equal(0, await after.GetServers()[0].DatabaseSizeAsync());
    }

    [Fact]
    public async Task Paused_postgres_answers_nothing_until_resumed()
    {
        var postgres = fixture.App.Postgres;
        // Without a pool, and without waiting for an answer to a cancel request that a frozen server cannot give.
        var unpooled = new NpgsqlConnectionStringBuilder(fixture.App.PostgresConnectionString) { Timeout = 2, Pooling = false, CancellationTimeout = -1 }.ConnectionString;
        await using var existing = new NpgsqlConnection(unpooled);
        await existing.OpenAsync(_ct);

        await postgres.PauseAsync(_ct);
        try
        {
            Assert.Equal(ResourceState.Paused, postgres.State);
            await using var fresh = new NpgsqlConnection(unpooled);
            await Assert.ThrowsAnyAsync<Exception>(() => fresh.OpenAsync(_ct));

            // An open connection's backend is frozen too (the whole process tree is stopped).
            using var shortWait = CancellationTokenSource.CreateLinkedTokenSource(_ct);
            shortWait.CancelAfter(TimeSpan.FromSeconds(1));
            await using var stuck = new NpgsqlCommand("SELECT 1", existing);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck.ExecuteScalarAsync(shortWait.Token));
        }
        finally
        {
            await postgres.ResumeAsync(_ct);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await postgres.WaitHealthyAsync(timeout.Token);
        Assert.Equal(ResourceState.Healthy, postgres.State);
        await using var connection = new NpgsqlConnection(fixture.App.PostgresConnectionString);
        await connection.OpenAsync(_ct);
        await using var query = new NpgsqlCommand("SELECT 41 + 1", connection);
        Assert.Equal(42, await query.ExecuteScalarAsync(_ct));
    }

    [Fact]
    public async Task Killed_postgres_is_restarted_with_its_data()
    {
        var postgres = fixture.App.Postgres;
        var restartsBefore = postgres.RestartCount;
        var pidBefore = postgres.Pid!.Value;
        var backendsBefore = ProcessProbe.DescendantsOf(pidBefore);
        Assert.NotEmpty(backendsBefore); // checkpointer, walwriter, …
        await ExecuteAsync("CREATE TABLE IF NOT EXISTS survivors (name text); INSERT INTO survivors VALUES ('committed before the crash')");

        await postgres.KillAsync(_ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (postgres.RestartCount == restartsBefore)
        {
            await Task.Delay(50, timeout.Token);
        }
        await postgres.WaitHealthyAsync(timeout.Token);
        Assert.NotEqual(pidBefore, postgres.Pid);
        Assert.DoesNotContain(backendsBefore, ProcessProbe.IsRunning); // the supervisor cleared what the killed server left
        NpgsqlConnection.ClearAllPools();
        Assert.Equal("committed before the crash", await ExecuteAsync("SELECT name FROM survivors LIMIT 1"));
    }

    [Fact]
    public async Task Given_connection_strings_no_servers_are_started()
    {
        var app = await DistributedApp.StartAsync(new DistributedAppOptions
        {
            ApiReplicas = 0,
            ScraperReplicas = 0,
            StartGateway = false,
            RedisConnectionString = fixture.App.RedisConnectionString,
            PostgresConnectionString = fixture.App.PostgresConnectionString,
        }, _ct);

        Assert.All(app.Resources, r => Assert.Null(r.Pid));
        Assert.All(app.Resources, r => Assert.Equal(ResourceState.Healthy, r.State));
        Assert.False(Directory.Exists(Path.Combine(app.DataDirectory, "postgres")));
        await Assert.ThrowsAsync<NotSupportedException>(() => app.Redis.KillAsync(_ct));
        Assert.Equal(fixture.App.PostgresConnectionString, app.PostgresConnectionString);

        await app.DisposeAsync();
        Assert.True(ProcessProbe.IsRunning(fixture.App.Redis.Pid!.Value), "disposing an app must not stop servers it did not start");
        Assert.True(ProcessProbe.IsRunning(fixture.App.Postgres.Pid!.Value), "disposing an app must not stop servers it did not start");
    }

    private async Task<object?> ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.App.PostgresConnectionString);
        await connection.OpenAsync(_ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(_ct);
    }
}
