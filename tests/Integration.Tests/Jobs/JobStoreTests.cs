using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Api.Dispatch;
using Platform.Api.Formats;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;
using Platform.Api.Jobs.Submission;
using Platform.Api.Live;
using Platform.Integration.Tests.Infrastructure;
using Platform.Testing;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Jobs;

/// <summary>PostgreSQL (migrated) and Redis only: the engine's SQL driven directly, with no dispatcher competing.</summary>
public sealed class JobStoreFixture : IAsyncLifetime
{
    public PlatformApp App { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // The AppHost's servers and its migration run; no service replica, no gateway.
        App = await PlatformApp.StartAsync(new PlatformAppOptions
        {
            OnlyResources = ["redis", "postgres", "platform", "migration"],
        }, TestContext.Current.CancellationToken);
        Database = NpgsqlDataSource.Create(App.PostgresConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        await App.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class JobStoreCollection : ICollectionFixture<JobStoreFixture>
{
    public const string Name = "Jobs store (PostgreSQL only)";
}

[Collection(JobStoreCollection.Name)]
public sealed class JobStoreTests(JobStoreFixture fixture)
{
    private static readonly JobLimitsOptions Limits = new();
    private readonly PostgresTransactions _db = new(fixture.Database, TimeProvider.System);
    private readonly RecordingPublisher _published = new();
    private readonly JobMetrics _metrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

    private JobSubmitter Submitter() => new(_db, Monitor(Limits), Monitor(new Platform.Api.Storage.StorageOptions()), _published, _metrics, TimeProvider.System);
    private JobQueue Queue() => new(_db, TimeProvider.System);
    private FencedJobWriter Writer() => new(_db, _published, _metrics, TimeProvider.System);
    private LeaseRescuer Rescuer() => new(_db, new QueueWaits(_db, new UnlimitedCaptureCapacity(), Monitor(Limits)), _published, Monitor(new LeaseOptions()), Monitor(Limits), _metrics, TimeProvider.System, NullLogger<LeaseRescuer>.Instance);

    [Fact]
    public async Task A_stale_executors_writes_are_rejected_and_nothing_of_them_persists()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        var jobId = await SubmitAsync(user);

        var stale = (await Queue().ClaimNextAsync(user, "executor-a", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;
        // Executor A goes quiet: its lease runs out, the rescuer requeues the job, executor B claims it.
        await Execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = @id", ("id", jobId));
        Assert.Equal(1, await Rescuer().RescueExpiredLeasesAsync(ct));
        var fresh = (await Queue().ClaimNextAsync(user, "executor-b", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;
        Assert.True(fresh.LeaseEpoch > stale.LeaseEpoch);
        var eventsBefore = await Scalar<long>("SELECT count(*) FROM events WHERE job_id = @id", ("id", jobId));

        var writer = Writer();
        var output = FormatOutput.Utf8("{\"stale\": true}", "application/json");
        await Assert.ThrowsAsync<FencingRejectedException>(() => writer.TaskStartedAsync(stale, ["text-stats"], 1, ct));
        await Assert.ThrowsAsync<FencingRejectedException>(() => writer.TaskProgressAsync(stale, [new("text-stats", 0.5, null)], ct));
        await Assert.ThrowsAsync<FencingRejectedException>(() => writer.TaskOutputAsync(stale, [("text-stats", "partial")], ct));
        await Assert.ThrowsAsync<FencingRejectedException>(() => writer.TasksCompletedAsync(stale, [("text-stats", output)], finishJob: false, ct));
        await Assert.ThrowsAsync<FencingRejectedException>(() => writer.TasksEndedAsync(stale, ["text-stats"], TaskState.Failed, "stale", ct));
        await Assert.ThrowsAsync<FencingRejectedException>(() => writer.JobFinishedAsync(stale, JobState.Completed, null, ct));
        await Assert.ThrowsAsync<FencingRejectedException>(() => writer.HandBackAsync(stale, HandBackReasons.Shutdown, ct));

        Assert.Equal(eventsBefore, await Scalar<long>("SELECT count(*) FROM events WHERE job_id = @id", ("id", jobId)));
        Assert.Equal(0L, await Scalar<long>("SELECT count(*) FROM artifacts WHERE job_id = @id", ("id", jobId)));
        Assert.Equal("pending", await Scalar<string>("SELECT state FROM tasks WHERE job_id = @id", ("id", jobId)));
        Assert.Equal(0.0, await Scalar<double>("SELECT progress FROM tasks WHERE job_id = @id", ("id", jobId)));
        Assert.Equal("running", await Scalar<string>("SELECT state FROM jobs WHERE id = @id", ("id", jobId)));
        Assert.Equal(fresh.LeaseEpoch, await Scalar<long>("SELECT lease_epoch FROM jobs WHERE id = @id", ("id", jobId)));

        // The current owner writes normally.
        await writer.TasksCompletedAsync(fresh, [("text-stats", output)], finishJob: false, ct);
        Assert.Equal(JobState.Completed, await writer.JobFinishedAsync(fresh, JobState.Completed, null, ct));
        Assert.Equal(1L, await Scalar<long>("SELECT count(*) FROM artifacts WHERE job_id = @id", ("id", jobId)));
        var seqs = await List("SELECT seq FROM events WHERE job_id = @id ORDER BY seq", r => r.GetInt64(0), ("id", jobId));
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task A_job_handed_back_at_shutdown_with_a_cancel_pending_ends_cancelled_and_never_runs_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        var jobId = await SubmitAsync(user);
        var claimed = (await Queue().ClaimNextAsync(user, "executor-a", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;
        // The user cancels while it runs; the executor's replica starts a graceful shutdown before it saw the cancel.
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString))
        {
            var executing = new ExecutingJobs();
            var commands = new JobCommands(_db, new CancelSignals(redis, executing, NullLogger<CancelSignals>.Instance), _published, Monitor(Limits), _metrics, TimeProvider.System);
            Assert.Equal(CommandOutcome.Accepted, (await commands.CancelAsync(user, jobId, ct)).Outcome);
        }

        await Writer().HandBackAsync(claimed, HandBackReasons.Shutdown, ct);

        Assert.Equal("cancelled", await Scalar<string>("SELECT state FROM jobs WHERE id = @id", ("id", jobId)));
        Assert.Equal("cancelled", await Scalar<string>("SELECT state FROM tasks WHERE job_id = @id", ("id", jobId)));
        Assert.Null(await Queue().ClaimNextAsync(user, "executor-b", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct));
    }

    [Fact]
    public async Task A_job_handed_back_at_shutdown_is_queued_again_with_the_same_attempt()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        var jobId = await SubmitAsync(user);
        var claimed = (await Queue().ClaimNextAsync(user, "executor-a", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;

        await Writer().HandBackAsync(claimed, HandBackReasons.Shutdown, ct);

        Assert.Equal("queued", await Scalar<string>("SELECT state FROM jobs WHERE id = @id", ("id", jobId)));
        var again = (await Queue().ClaimNextAsync(user, "executor-b", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;
        Assert.Equal(claimed.Attempt, again.Attempt);
        Assert.True(again.LeaseEpoch > claimed.LeaseEpoch);
    }

    [Fact]
    public async Task A_job_reclaimed_by_the_same_replica_keeps_its_new_run_renewed_and_fences_off_the_old_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        var jobId = await SubmitAsync(user);
        var executing = new ExecutingJobs();
        var keeper = new LeaseKeeper(_db, executing, Monitor(new LeaseOptions()), _metrics, NullLogger<LeaseKeeper>.Instance);

        var first = (await Queue().ClaimNextAsync(user, "executor-a", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;
        using var previous = new JobRun(first, null, TimeProvider.System);
        executing.TryAdd(previous);
        // Its lease runs out (the replica was paused), it is rescued, and this same replica claims it again while the
        // previous run has not yet noticed.
        await Execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = @id", ("id", jobId));
        Assert.True(await Rescuer().RescueExpiredLeasesAsync(ct) >= 1);
        var second = (await Queue().ClaimNextAsync(user, "executor-a", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;
        using var current = new JobRun(second, null, TimeProvider.System);
        executing.TryAdd(current);

        await keeper.RenewAsync(ct);
        Assert.Equal(StopReason.LeaseLost, previous.Reason);
        Assert.Equal(StopReason.None, current.Reason);

        // The previous run ends; the new one is still renewed and still reachable by a cancel.
        executing.Remove(previous);
        await Execute($"UPDATE jobs SET lease_expires_at = now() + interval '1 second', state = {JobStateSql.Literal(JobState.Cancelling)} WHERE id = @id", ("id", jobId));
        await keeper.RenewAsync(ct);
        Assert.True(await Scalar<bool>("SELECT lease_expires_at > now() + interval '10 seconds' FROM jobs WHERE id = @id", ("id", jobId)));
        Assert.Equal(StopReason.Cancelled, current.Reason);
        Assert.Same(current, executing.Find(jobId));
    }

    [Fact]
    public async Task A_write_whose_commit_acknowledgement_is_lost_is_not_written_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        var jobId = await SubmitAsync(user);
        var job = (await Queue().ClaimNextAsync(user, "executor-a", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;
        var direct = new NpgsqlConnectionStringBuilder(fixture.App.PostgresConnectionString);
        await using var proxy = new CommitAckDropProxy(direct.Host!, direct.Port);
        await using var throughProxy = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(direct.ConnectionString)
        {
            Host = "127.0.0.1", Port = proxy.Port, Pooling = false,
        }.ConnectionString);
        var writer = new FencedJobWriter(new PostgresTransactions(throughProxy, TimeProvider.System), _published, _metrics, TimeProvider.System);

        proxy.ArmOnce();
        await writer.TaskOutputAsync(job, [("text-stats", "one chunk")], ct);

        Assert.Equal(1, proxy.Dropped);
        var outputs = await List("SELECT seq FROM events WHERE job_id = @id AND type = 'task.output'", r => r.GetInt64(0), ("id", jobId));
        Assert.Single(outputs);
        Assert.Equal(outputs[0], await Scalar<long>("SELECT last_seq FROM jobs WHERE id = @id", ("id", jobId)));
    }

    [Fact]
    public async Task Dispatch_goes_round_robin_across_users_and_fifo_within_a_user()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, bob, carol) = (await NewUserAsync(), await NewUserAsync(), await NewUserAsync());
        var aliceJobs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            aliceJobs.Add(await SubmitAsync(alice));
        }
        var bobJob = await SubmitAsync(bob);
        var carolJob = await SubmitAsync(carol);
        var users = new[] { alice, bob, carol };

        // Dispatch as the dispatcher does: ask for the user order, claim the first user's next job, repeat.
        var claimed = new List<(string User, Guid Job)>();
        while (true)
        {
            var next = (await Queue().NextUsersAsync(10, Limits.RunningPerUser, ct)).Where(users.Contains).FirstOrDefault();
            if (next is null)
            {
                break;
            }
            var claim = (await Queue().ClaimNextAsync(next, "executor", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct))!.Value.Job;
            claimed.Add((next, claim.Id));
        }

        Assert.Equal([alice, bob, carol, alice, alice], claimed.Select(c => c.User));
        Assert.Equal([aliceJobs[0], bobJob, carolJob, aliceJobs[1], aliceJobs[2]], claimed.Select(c => c.Job));
    }

    [Fact]
    public async Task The_postgres_backstop_holds_the_running_limit_without_redis()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        for (var i = 0; i < 5; i++)
        {
            await SubmitAsync(user);
        }
        // Many claimers at once, as replicas would be after Redis forgot every semaphore lease.
        var claims = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            Queue().ClaimNextAsync(user, "executor", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct)));
        Assert.Equal(3, claims.Count(c => c is not null));
        Assert.Equal(3L, await Scalar<long>($"SELECT count(*) FROM jobs WHERE owner_id = @u AND state = {JobStateSql.Literal(JobState.Running)}", ("u", user)));
        Assert.DoesNotContain(user, await Queue().NextUsersAsync(100, Limits.RunningPerUser, ct));
    }

    [Fact]
    public async Task Admission_refuses_beyond_three_running_plus_five_queued()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Submitter().SubmitAsync(user, TextJob(), null, ct)));
        Assert.Equal(8, outcomes.Count(o => o is SubmitOutcome.Accepted));
        Assert.All(outcomes.OfType<SubmitOutcome.Refused>(), r => Assert.Equal(new UsageCounts(0, 8), r.Usage));
    }

    [Fact]
    public async Task Queued_jobs_older_than_the_maximum_wait_expire()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        var jobId = await SubmitAsync(user);
        await Execute("UPDATE jobs SET queued_at = now() - interval '31 minutes' WHERE id = @id", ("id", jobId));
        Assert.True(await Rescuer().ExpireStaleQueuedJobsAsync(ct) >= 1);
        Assert.Equal("expired", await Scalar<string>("SELECT state FROM jobs WHERE id = @id", ("id", jobId)));
        Assert.Equal("skipped", await Scalar<string>("SELECT state FROM tasks WHERE job_id = @id", ("id", jobId)));
    }

    [Fact]
    public async Task Jobs_whose_executor_is_lost_too_often_fail()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await NewUserAsync();
        var jobId = await SubmitAsync(user);
        for (var attempt = 1; attempt <= Limits.MaxAttempts; attempt++)
        {
            Assert.NotNull(await Queue().ClaimNextAsync(user, "executor", TimeSpan.FromSeconds(15), Limits.RunningPerUser, ct));
            await Execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = @id", ("id", jobId));
            await Rescuer().RescueExpiredLeasesAsync(ct);
        }
        Assert.Equal("failed", await Scalar<string>("SELECT state FROM jobs WHERE id = @id", ("id", jobId)));
        Assert.Equal(Limits.MaxAttempts, await Scalar<int>("SELECT attempt FROM jobs WHERE id = @id", ("id", jobId)));
    }

    private static ValidatedJob TextJob() => new(null, "Some text to count.", ["text-stats"], "{}");

    private async Task<Guid> SubmitAsync(string user)
    {
        var outcome = await Submitter().SubmitAsync(user, TextJob(), null, TestContext.Current.CancellationToken);
        return Assert.IsType<SubmitOutcome.Accepted>(outcome).JobId;
    }

    private async Task<string> NewUserAsync()
    {
        var id = Guid.NewGuid().ToString();
        await Execute(
            """
            INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email, email_confirmed,
                               phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count)
            VALUES (@id, @id, upper(@id), @id || '@store.test', upper(@id || '@store.test'), true, false, false, false, 0)
            """, ("id", id));
        return id;
    }

    private async Task Execute(string sql, params (string, object)[] parameters)
    {
        await using var command = fixture.Database.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }

    private Task<T?> Scalar<T>(string sql, params (string, object)[] parameters) => JobsDb.ScalarAsync<T>(fixture.Database, sql, parameters);

    private Task<List<T>> List<T>(string sql, Func<NpgsqlDataReader, T> read, params (string, object)[] parameters) =>
        JobsDb.ListAsync(fixture.Database, sql, read, parameters);

    private static IOptionsMonitor<T> Monitor<T>(T value) where T : class => new StaticMonitor<T>(value);

    private sealed class StaticMonitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;
        public T Get(string? name) => value;
        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }

    private sealed class RecordingPublisher : IJobEventPublisher
    {
        public List<JobEventMessage> Events { get; } = [];

        public ValueTask PublishAsync(JobEventMessage jobEvent, CancellationToken cancellationToken = default)
        {
            lock (Events)
            {
                Events.Add(jobEvent);
            }
            return ValueTask.CompletedTask;
        }
    }
}
