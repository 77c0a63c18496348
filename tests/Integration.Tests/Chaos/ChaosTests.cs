using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Platform.Integration.Tests.Jobs;
using Platform.Testing;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Chaos;

/// <summary>
/// The chaos suite: one app, jobs in flight from several users, and each fault injected a few times in turn — SIGKILL
/// and SIGSTOP of an Api replica, Redis stopped, restarted empty and answering READONLY, PostgreSQL restarted, a
/// rolling restart of every Api replica with cancels pending (the killed and restarted replicas also cut the gateway's
/// upstream of the hub connections they served mid-WebSocket). It prints one table and holds the invariants: nothing
/// lost, nothing completed twice, no cancelled job run again, no seq gap left to a client, no limit exceeded.
/// </summary>
[Trait("Category", "Chaos")]
[Collection(ChaosCollection.Name)]
public sealed class ChaosTests(ChaosFixture fixture, ITestOutputHelper output)
{
    private const int Users = 3;
    private const int Repetitions = 2;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Faults_with_jobs_in_flight_lose_nothing_duplicate_nothing_and_keep_every_limit()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        await fixture.AllReplicasHealthyAsync();
        await using var load = await ChaosLoad.StartAsync(fixture, Users, ct);
        await using var limits = new LimitSampler(fixture, load.UserIds);
        var faults = new List<string>();
        var cancels = new List<Guid>();

        Func<Task>[] rounds =
        [
            () => KillBusiestApiAsync(faults),
            () => PauseBusiestApiAsync(faults),
            () => RedisStoppedAsync(faults),
            () => RedisRestartedEmptyAsync(faults),
            () => RedisReadOnlyAsync(faults),
            () => PostgresRestartedAsync(faults),
        ];
        for (var repetition = 0; repetition < Repetitions; repetition++)
        {
            foreach (var round in rounds)
            {
                await WaitForRunningAsync(load, ct);
                await round();
                await Task.Delay(Settle, ct);
            }
        }
        await RollingRestartWithCancelsAsync(load, faults, cancels);

        await load.StopSubmittingAsync();
        var lost = await load.WaitAllFinalAsync(TimeSpan.FromSeconds(90));
        await limits.DisposeAsync();
        var report = await ReportAsync(load, faults, cancels, lost, limits, clock.Elapsed);
        output.WriteLine(report.Table);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "chaos-table.txt"), report.Table, ct);

        Assert.True(lost.Count == 0, $"lost: {string.Join(", ", lost)}\n{report.Table}");
        Assert.True(report.CompletedTwice == 0, report.Table);
        Assert.True(report.RunAfterCancel == 0, report.Table);
        Assert.True(report.SeqGaps == 0, report.Table);
        Assert.True(limits.Violations == 0, $"{string.Join("; ", limits.Examples)}\n{report.Table}");
        Assert.True(limits.Samples > 100, report.Table);
        Assert.True(report.Completed > 0, report.Table);
        await fixture.AllReplicasHealthyAsync();
    }

    private async Task KillBusiestApiAsync(List<string> faults)
    {
        var victim = await BusiestApiAsync();
        await victim.KillAsync(TestContext.Current.CancellationToken);
        faults.Add("SIGKILL api");
        await fixture.AllReplicasHealthyAsync();
    }

    private async Task PauseBusiestApiAsync(List<string> faults)
    {
        var victim = await BusiestApiAsync();
        await victim.PauseAsync(TestContext.Current.CancellationToken);
        faults.Add("SIGSTOP api");
        try
        {
            await Task.Delay(JobsAppFixture.LeaseDuration + TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken); // its leases expire
        }
        finally
        {
            await victim.ResumeAsync(TestContext.Current.CancellationToken);
        }
        await fixture.AllReplicasHealthyAsync();
    }

    private async Task RedisStoppedAsync(List<string> faults)
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.App.Redis.StopAsync(ct);
        faults.Add("Redis stopped");
        await Task.Delay(TimeSpan.FromSeconds(3), ct); // work goes on with PostgreSQL alone
        await fixture.App.Redis.StartAsync(ct);
        await fixture.AllReplicasHealthyAsync();
    }

    private async Task RedisRestartedEmptyAsync(List<string> faults)
    {
        await fixture.App.Redis.RestartAsync(TestContext.Current.CancellationToken); // no persistence: every lease is gone
        faults.Add("Redis restarted empty");
        await fixture.AllReplicasHealthyAsync();
    }

    private async Task RedisReadOnlyAsync(List<string> faults)
    {
        // A real READONLY: the server becomes a replica of a master that does not exist, so every write is refused.
        var options = ConfigurationOptions.Parse(fixture.App.RedisConnectionString);
        options.AllowAdmin = true;
        await using var admin = await ConnectionMultiplexer.ConnectAsync(options);
        var server = admin.GetServers().Single();
        await server.ExecuteAsync("REPLICAOF", "127.0.0.1", UnusedLoopbackPort());
        faults.Add("Redis READONLY");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        }
        finally
        {
            await server.ExecuteAsync("REPLICAOF", "NO", "ONE");
        }
    }

    private async Task PostgresRestartedAsync(List<string> faults)
    {
        await fixture.App.Postgres.RestartAsync(TestContext.Current.CancellationToken);
        faults.Add("PostgreSQL restarted");
        await fixture.AllReplicasHealthyAsync();
    }

    /// <summary>Each replica in turn: cancel jobs it runs, then restart it at once (SIGTERM, a graceful stop: it hands its runs back).</summary>
    private async Task RollingRestartWithCancelsAsync(ChaosLoad load, List<string> faults, List<Guid> cancels)
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var replica in fixture.App.Api)
        {
            await WaitForRunningAsync(load, ct);
            var running = await JobsDb.ListAsync(fixture.Database,
                "SELECT id, owner_id FROM jobs WHERE owner_instance = @r AND state = 'running' AND id = ANY(@ids) LIMIT 2",
                r => (Id: r.GetGuid(0), Owner: r.GetString(1)), ("r", replica.Name), ("ids", load.Submitted.ToArray()));
            foreach (var (id, _) in running)
            {
                await load.CancelAsync(id);
                cancels.Add(id);
            }
            await replica.GracefulRestartAsync(ct);
            faults.Add($"rolling restart {replica.Name} ({running.Count} cancel(s) pending)");
            await fixture.AllReplicasHealthyAsync();
        }
    }

    private async Task<AppResource> BusiestApiAsync()
    {
        var busiest = await JobsDb.ScalarAsync<string>(fixture.Database,
            "SELECT owner_instance FROM jobs WHERE state = 'running' GROUP BY owner_instance ORDER BY count(*) DESC LIMIT 1");
        return fixture.App.Api.FirstOrDefault(r => r.Name == busiest) ?? fixture.App.Api[0];
    }

    private async Task WaitForRunningAsync(ChaosLoad load, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var running = await JobsDb.ScalarAsync<long>(fixture.Database,
                "SELECT count(*) FROM jobs WHERE state = 'running' AND id = ANY(@ids)", ("ids", load.Submitted.ToArray()));
            if (running >= 2)
            {
                return;
            }
            await Task.Delay(100, ct);
        }
    }

    private static int UnusedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Report(string Table, int Completed, int CompletedTwice, int RunAfterCancel, int SeqGaps);

    private async Task<Report> ReportAsync(ChaosLoad load, List<string> faults, List<Guid> cancels, IReadOnlyList<Guid> lost,
        LimitSampler limits, TimeSpan elapsed)
    {
        var ids = load.Submitted.ToArray();
        var states = await JobsDb.ListAsync(fixture.Database, "SELECT id, state, last_seq FROM jobs WHERE id = ANY(@ids)",
            r => (Id: r.GetGuid(0), State: r.GetString(1), LastSeq: r.GetInt64(2)), ("ids", ids));
        var events = await JobsDb.ListAsync(fixture.Database,
            "SELECT job_id, seq, data->>'state' FROM events WHERE job_id = ANY(@ids) AND type = 'job.state' ORDER BY job_id, seq",
            r => (Job: r.GetGuid(0), Seq: r.GetInt64(1), State: r.GetString(2)), ("ids", ids));
        var byJob = events.GroupBy(e => e.Job).ToDictionary(g => g.Key, g => g.ToList());
        var completedTwice = byJob.Count(j => j.Value.Count(e => e.State is "completed" or "partial") > 1);
        // A cancelled job must never be claimed again after its cancel was recorded.
        var runAfterCancel = cancels.Count(id => byJob.TryGetValue(id, out var log)
            && log.SkipWhile(e => e.State != "cancelling").Any(e => e.State == "running"));
        var honoured = cancels.Count(id => states.Any(s => s.Id == id && s.State == "cancelled"));

        // What each client holds: let the last pushes land, then every stream must reach the stored last seq in order.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var gaps = 0;
        var reconciled = 0;
        foreach (var (id, _, lastSeq) in states.Where(s => !lost.Contains(s.Id)))
        {
            var stream = load.StreamOf(id);
            if (stream.LastSeq < lastSeq)
            {
                // A client that missed the end catches up the way the SPA does while a job looks active.
                reconciled++;
                await load.ReconcileAsync(id);
            }
            var applied = stream.AppliedSeqs;
            var contiguous = applied.Count == 0 || applied.Zip(applied.Skip(1)).All(p => p.Second == p.First + 1);
            if (!contiguous || stream.LastSeq != lastSeq)
            {
                gaps++;
            }
        }

        var table = new StringBuilder()
            .AppendLine($"Chaos suite ({elapsed.TotalSeconds:F0} s; {Users} users, {ChaosLoad.InFlightPerUser} jobs in flight each, 2 Api replicas, leases 3 s)")
            .AppendLine($"faults injected: {string.Join(", ", faults.GroupBy(f => f.StartsWith("rolling", StringComparison.Ordinal) ? "rolling restart" : f).Select(g => $"{g.Key} ×{g.Count()}"))}")
            .AppendLine("| faults | submitted | completed | failed | lost | completed twice | cancels honoured | seq gaps seen by clients | limit violations sampled |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|")
            .AppendLine($"| {faults.Count} | {ids.Length} | {states.Count(s => s.State == "completed")} | {states.Count(s => s.State is "failed" or "partial")} | " +
                        $"{lost.Count} | {completedTwice} | {honoured}/{cancels.Count} (run again after cancel: {runAfterCancel}) | {gaps} ({reconciled} caught up by reconciling) | " +
                        $"{limits.Violations} of {limits.Samples} samples |")
            .ToString();
        return new Report(table, states.Count(s => s.State == "completed"), completedTwice, runAfterCancel, gaps);
    }

    /// <summary>
    /// Samples PostgreSQL every 100 ms: the most running jobs of any chaos user (limit 3) and of any replica (8 executor
    /// slots). Owner of one loop, stopped on dispose; a sample that fails (PostgreSQL restarting) is skipped.
    /// </summary>
    private sealed class LimitSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public LimitSampler(ChaosFixture fixture, IReadOnlyList<string> users)
        {
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var worst = await JobsDb.ListAsync(fixture.Database,
                            """
                            SELECT 'user ' || owner_id, count(*), 3 FROM jobs WHERE owner_id = ANY(@users) AND state IN ('running', 'cancelling') GROUP BY owner_id
                            UNION ALL
                            SELECT 'replica ' || owner_instance, count(*), 8 FROM jobs WHERE state IN ('running', 'cancelling') AND owner_instance IS NOT NULL GROUP BY owner_instance
                            """,
                            r => (Who: r.GetString(0), Count: r.GetInt64(1), Limit: r.GetInt32(2)), ("users", users.ToArray()));
                        Samples++;
                        foreach (var over in worst.Where(w => w.Count > w.Limit))
                        {
                            Violations++;
                            if (Examples.Count < 5)
                            {
                                Examples.Add($"{over.Who}: {over.Count} > {over.Limit}");
                            }
                        }
                    }
                    catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
                    {
                    }
                    await Task.Delay(100).ConfigureAwait(false);
                }
            });
        }

        public int Samples { get; private set; }
        public int Violations { get; private set; }
        public List<string> Examples { get; } = [];

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
                await _loop;
            }
        }
    }
}
