using Npgsql;
using Platform.Testing;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Orchestration;

/// <summary>Only the AppHost's Redis and PostgreSQL (and the database on it), for the tests that stop, start and pause them.</summary>
public sealed class BackingServersFixture : IAsyncLifetime
{
    public PlatformApp App { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        App = await PlatformApp.StartAsync(new PlatformAppOptions { OnlyResources = ["redis", "postgres", "platform"] }, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
            Assert.Empty(await App.WaitStoppedAsync());
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BackingServersCollection : ICollectionFixture<BackingServersFixture>
{
    public const string Name = "Redis and PostgreSQL as Aspire executable resources";
}

/// <summary>
/// Debian's redis-server and PostgreSQL run by the AppHost as executable resources: stopped and started through Aspire's
/// resource commands (as an operator does in the dashboard), Redis comes back empty at the same address and PostgreSQL
/// with its data; a paused PostgreSQL answers nothing until resumed; connection strings given to the AppHost start no
/// server at all.
/// </summary>
[Collection(BackingServersCollection.Name)]
public sealed class BackingServersTests(BackingServersFixture fixture) : DistributedAppTest(() => fixture.App)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Redis_restarted_through_its_resource_command_comes_back_empty_at_the_same_address()
    {
        var redis = fixture.App.Redis;
        var (pidBefore, restartsBefore) = (redis.Pid, redis.RestartCount);
        await using (var before = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString))
        {
            await before.GetDatabase().StringSetAsync("survives-restart?", "no");
        }

        await redis.StopAsync(_ct);
        Assert.Equal(AppResourceState.Exited, redis.State);
        Assert.False(ProcessProbe.IsRunning(pidBefore!.Value));
        await redis.StartAsync(_ct);
        await redis.WaitHealthyAsync(_ct);

        Assert.NotEqual(pidBefore, redis.Pid);
        Assert.Equal(restartsBefore + 1, redis.RestartCount);
        await using var after = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString); // same address
        Assert.False((await after.GetDatabase().StringGetAsync("survives-restart?")).HasValue);
        Assert.Equal(0, await after.GetServers()[0].DatabaseSizeAsync());
    }

    [Fact]
    public async Task Postgres_stopped_and_started_through_its_resource_commands_keeps_its_data()
    {
        var postgres = fixture.App.Postgres;
        var pidBefore = postgres.Pid!.Value;
        // The resource's process is the shell that turns DCP's SIGTERM into a fast shutdown; PostgreSQL is its child.
        var postmaster = ProcessProbe.ChildrenOf(pidBefore).First(p => File.ReadAllText($"/proc/{p}/comm").Trim() == "postgres");
        var uid = File.ReadAllLines($"/proc/{postmaster}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.NotEqual("0", uid); // PostgreSQL refuses root: as root the AppHost runs it as the postgres user
        await ExecuteAsync("CREATE TABLE IF NOT EXISTS survivors (name text); INSERT INTO survivors VALUES ('committed before the stop')");
        // A client that stays connected, as the Api replicas' pools do: a "smart" shutdown (PostgreSQL's answer to SIGTERM)
        // would wait for it to leave, and the stop would hang until DCP gives up.
        await using var pooled = new NpgsqlConnection(fixture.App.PostgresConnectionString);
        await pooled.OpenAsync(_ct);

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await postgres.StopAsync(_ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"stopped in {stopping.ElapsedMilliseconds} ms with a client connected");
        Assert.False(ProcessProbe.IsRunning(pidBefore));
        Assert.False(ProcessProbe.IsRunning(postmaster));
        Assert.Contains(postgres.RecentLogLines(200), line => line.Contains("received fast shutdown request", StringComparison.Ordinal));
        await postgres.StartAsync(_ct);
        await postgres.WaitHealthyAsync(_ct);

        Assert.NotEqual(pidBefore, postgres.Pid);
        NpgsqlConnection.ClearAllPools();
        Assert.Equal("committed before the stop", await ExecuteAsync("SELECT name FROM survivors LIMIT 1"));
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
            Assert.Equal(AppResourceState.Paused, postgres.State);
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

        await postgres.WaitHealthyAsync(_ct);
        Assert.Equal(42, await ExecuteAsync("SELECT 41 + 1"));
    }

    [Fact]
    public async Task Given_connection_strings_the_apphost_starts_no_server_and_hands_those_to_the_services()
    {
        var options = new PlatformAppOptions { OnlyResources = ["redis", "platform", "migration"] };
        options.AppHostSettings["ConnectionStrings:redis"] = fixture.App.RedisConnectionString;
        options.AppHostSettings["ConnectionStrings:platform"] = fixture.App.PostgresConnectionString;
        await using (var app = await PlatformApp.StartAsync(options, _ct))
        {
            Assert.Equal(fixture.App.RedisConnectionString, app.RedisConnectionString);
            Assert.Equal(fixture.App.PostgresConnectionString, app.PostgresConnectionString);
            // The migration ran against the given database; no redis-server or postgres belongs to this app.
            Assert.Equal(0, Assert.Single(app.Replicas("migration")).Snapshot.ExitCode);
            Assert.Equal(1L, await ExecuteAsync("SELECT count(*) FROM information_schema.tables WHERE table_name = 'jobs'"));
            Assert.DoesNotContain(app.RunningProcesses(), pid => ProcessProbe.CommandLine(pid) is var line
                && (line.StartsWith("redis-server", StringComparison.Ordinal) || line.Contains("/bin/postgres", StringComparison.Ordinal)));
        }
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
