using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Platform.Api.Jobs;
using Platform.Fixtures;
using Platform.Integration.Tests.Jobs;
using Platform.Testing;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Chaos;

/// <summary>
/// The chaos suite: one app, text and URL-capture jobs in flight from several users, and each fault injected a few times
/// in turn — SIGKILL and SIGSTOP of an Api replica, of a Scraper replica and of a Scraper's Chromium (stopped, then either
/// resumed or left hung for its Scraper to replace), the gateway's upstream connections cut mid-WebSocket, Redis stopped,
/// restarted empty and answering READONLY, PostgreSQL restarted, a rolling restart of every Api replica with cancels
/// pending. It prints one table and holds the invariants: nothing lost, nothing completed twice, no cancelled job run
/// again, no seq gap left to a client, no limit exceeded (per user, per Api replica, pages per Scraper, and per target
/// host as the target itself counts its requests in flight).
/// </summary>
[Trait("Category", "Chaos")]
[Collection(ChaosCollection.Name)]
public sealed class ChaosTests(ChaosFixture fixture, ITestOutputHelper output)
{
    private const int Users = 3;
    private const int Repetitions = 2;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Faults_with_jobs_in_flight_lose_nothing_duplicate_nothing_and_keep_every_limit()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        await fixture.AllHealthyAsync();
        await using var site = await FixtureSite.StartAsync(hostCount: 2);
        await using var load = await ChaosLoad.StartAsync(fixture, site, Users, ct);
        await using var limits = new LimitSampler(fixture, site, load.UserIds);
        var faults = new FaultLog();
        var cancels = new List<Guid>();

        // A round waits only for what it strikes to be healthy, so a killed replica's restart overlaps the next rounds: the
        // Api killed first comes back during the Scraper rounds, the Scraper killed last during the Redis and PostgreSQL ones.
        for (var repetition = 0; repetition < Repetitions; repetition++)
        {
            foreach (var (needs, strike) in Rounds(repetition, load, faults))
            {
                var waiting = Stopwatch.StartNew();
                await needs();
                faults.WaitedForRecovery(waiting.Elapsed);
                await WaitForRunningAsync(load, ct);
                faults.StartRound();
                await strike();
                faults.EndRound();
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
        Assert.True(report.CapturesCompleted > 0, report.Table);
        await fixture.AllHealthyAsync();
    }

    /// <summary>One repetition's rounds: what each needs healthy first, and its strike.</summary>
    private List<(Func<Task> Needs, Func<Task> Strike)> Rounds(int repetition, ChaosLoad load, FaultLog faults)
    {
        var second = repetition % 2 == 1;
        List<(Func<Task> Needs, Func<Task> Strike)> rounds =
        [
            (fixture.ApisHealthyAsync, () => KillBusiestApiAsync(faults)),
            (fixture.ScrapersHealthyAsync, () => KillChromiumAsync(faults)),
            (fixture.ScrapersHealthyAsync, () => PauseChromiumAsync(faults, leaveHung: second)),
            (fixture.ScrapersHealthyAsync, () => PauseBusiestScraperAsync(faults)),
        ];
        // The second time, the Scraper dies during the Redis outage: its restart must wait for Redis, not give up.
        rounds.AddRange(second
            ? [(fixture.AllHealthyAsync, () => RedisStoppedAsync(faults, killScraperMeanwhile: true))]
            : [(fixture.ScrapersHealthyAsync, () => KillBusiestScraperAsync(faults)), (fixture.ApisHealthyAsync, () => RedisStoppedAsync(faults, killScraperMeanwhile: false))]);
        rounds.AddRange(
        [
            (fixture.ApisHealthyAsync, () => PauseBusiestApiAsync(faults)),
            (fixture.ApisHealthyAsync, () => RedisRestartedEmptyAsync(faults)),
            (fixture.ApisHealthyAsync, () => RedisReadOnlyAsync(faults)),
            (fixture.ApisHealthyAsync, () => CutGatewayUpstreamAsync(load, faults)),
            (fixture.ApisHealthyAsync, () => PostgresRestartedAsync(faults)),
        ]);
        return rounds;
    }

    private async Task KillBusiestApiAsync(FaultLog faults)
    {
        var victim = await BusiestApiAsync();
        await victim.KillAsync(TestContext.Current.CancellationToken);
        faults.Add("SIGKILL api"); // the AppHost starts it again while the next rounds go on
    }

    private async Task PauseBusiestApiAsync(FaultLog faults)
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
    }

    private async Task KillBusiestScraperAsync(FaultLog faults)
    {
        var (victim, _) = await BusiestScraperAsync();
        await victim.KillAsync(TestContext.Current.CancellationToken);
        faults.Add("SIGKILL scraper"); // the AppHost starts it again, with a fresh Chromium, while the next rounds go on
    }

    /// <summary>The Scraper and its Chromium stop mid-capture for longer than its politeness leases (3 s), then go on.</summary>
    private async Task PauseBusiestScraperAsync(FaultLog faults)
    {
        var ct = TestContext.Current.CancellationToken;
        var (victim, _) = await BusiestScraperAsync();
        await victim.PauseAsync(ct);
        faults.Add("SIGSTOP scraper");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(4), ct);
        }
        finally
        {
            await victim.ResumeAsync(ct);
        }
    }

    /// <summary>The browser process of the busiest Scraper: its Scraper must launch a new one, and the broken captures are retried.</summary>
    private async Task KillChromiumAsync(FaultLog faults)
    {
        var (victim, stats) = await BusiestScraperAsync();
        var (pid, generation) = Browser(stats);
        AssertOurs(pid);
        ProcessProbe.Kill(pid);
        faults.Add("SIGKILL chromium");
        await WaitForNewBrowserAsync(victim, generation, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// The whole Chromium tree of the busiest Scraper stopped mid-capture: resumed after 3 s (its captures go on), or left
    /// hung, when its Scraper must find it unresponsive, kill it and launch a new one (its captures fail as transient and
    /// are retried rather than waiting for their hard timeout).
    /// </summary>
    private async Task PauseChromiumAsync(FaultLog faults, bool leaveHung)
    {
        var ct = TestContext.Current.CancellationToken;
        var (victim, stats) = await BusiestScraperAsync();
        var (pid, generation) = Browser(stats);
        AssertOurs(pid);
        var tree = ProcessProbe.DescendantsOf(pid).Prepend(pid).ToList();
        foreach (var process in tree)
        {
            ProcessProbe.Pause(process);
        }
        try
        {
            if (leaveHung)
            {
                faults.Add("SIGSTOP chromium, left hung: replaced");
                await WaitForNewBrowserAsync(victim, generation, ChaosFixture.UnresponsiveAfter + TimeSpan.FromSeconds(45));
                Assert.Empty(await ProcessProbe.StillRunningAfterAsync(tree, TimeSpan.FromSeconds(10)));
            }
            else
            {
                faults.Add("SIGSTOP chromium, resumed after 3 s");
                await Task.Delay(TimeSpan.FromSeconds(3), ct);
            }
        }
        finally
        {
            foreach (var process in tree)
            {
                ProcessProbe.Resume(process);
            }
        }
    }

    /// <summary>The gateway's connections to the Api replicas reset while both run: the hub WebSockets it relays drop mid-stream.</summary>
    private async Task CutGatewayUpstreamAsync(ChaosLoad load, FaultLog faults)
    {
        await load.WaitConnectedAsync(TimeSpan.FromSeconds(30)); // every user's hub WebSocket is up, to be cut
        var gateway = fixture.App.Gateway.Pid ?? throw new InvalidOperationException("the gateway is not running");
        var cut = await UpstreamCut.CutAsync(gateway, [.. fixture.App.Api.Select(api => api.Url!.Port)]);
        // At least each user's hub connection (a WebSocket through the gateway), besides pooled REST connections.
        Assert.True(cut >= Users, $"only {cut} gateway upstream connections were cut");
        faults.Add($"gateway upstream cut ({cut} connections)");
        await load.WaitConnectedAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A pid a Scraper reported must still be a process of this app before a signal goes to it.</summary>
    private void AssertOurs(int pid) =>
        Assert.True(ProcessProbe.BelongsTo(pid, fixture.App.Tag), $"pid {pid} is no longer a process of this app: {ProcessProbe.CommandLine(pid)}");

    private static (int Pid, int Generation) Browser(JsonElement stats)
    {
        var browser = stats.GetProperty("browser");
        return browser.GetProperty("processId").ValueKind == JsonValueKind.Number
            ? (browser.GetProperty("processId").GetInt32(), browser.GetProperty("generation").GetInt32())
            : throw new InvalidOperationException($"the Scraper knows no Chromium process: {browser}");
    }

    /// <summary>Waits until <paramref name="scraper"/> reports a Chromium generation after <paramref name="generation"/>, connected.</summary>
    private static async Task WaitForNewBrowserAsync(AppResource scraper, int generation, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await ChaosFixture.ScraperStatsAsync(scraper) is { } stats && stats.GetProperty("browser") is var browser
                && browser.GetProperty("generation").ValueKind == JsonValueKind.Number && browser.GetProperty("generation").GetInt32() > generation
                && browser.GetProperty("processId").ValueKind == JsonValueKind.Number)
            {
                return;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{scraper.Name} launched no new Chromium within {timeout.TotalSeconds:F0} s (generation {generation}).");
    }

    /// <summary>The Scraper with the most captures in flight (waiting up to 10 s for one to have any), and its stats.</summary>
    private async Task<(AppResource Scraper, JsonElement Stats)> BusiestScraperAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var answers = new List<(AppResource Scraper, JsonElement Stats)>();
            foreach (var scraper in fixture.App.Scraper)
            {
                if (await ChaosFixture.ScraperStatsAsync(scraper) is { } stats)
                {
                    answers.Add((scraper, stats));
                }
            }
            var busiest = answers.OrderByDescending(a => a.Stats.GetProperty("pagesInUse").GetInt32()).FirstOrDefault();
            if (busiest.Scraper is not null && (busiest.Stats.GetProperty("pagesInUse").GetInt32() > 0 || DateTime.UtcNow > deadline))
            {
                return busiest;
            }
            if (DateTime.UtcNow > deadline + TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"No Scraper answered /captures/stats.{Environment.NewLine}{fixture.App.DescribeResources()}");
            }
            await Task.Delay(100);
        }
    }

    private async Task RedisStoppedAsync(FaultLog faults, bool killScraperMeanwhile)
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.App.Redis.StopAsync(ct);
        faults.Add("Redis stopped");
        if (killScraperMeanwhile)
        {
            var (victim, _) = await BusiestScraperAsync();
            await victim.KillAsync(ct);
            faults.Add("SIGKILL scraper during a Redis outage"); // its first start again fails: it waits for Redis
        }
        await Task.Delay(TimeSpan.FromSeconds(3), ct); // work goes on with PostgreSQL alone
        await fixture.App.Redis.StartAsync(ct);
        await fixture.App.Redis.WaitHealthyAsync(ct);
    }

    private async Task RedisRestartedEmptyAsync(FaultLog faults)
    {
        await fixture.App.Redis.RestartAsync(TestContext.Current.CancellationToken); // no persistence: every lease is gone
        faults.Add("Redis restarted empty");
    }

    private async Task RedisReadOnlyAsync(FaultLog faults)
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

    private async Task PostgresRestartedAsync(FaultLog faults)
    {
        await fixture.App.Postgres.RestartAsync(TestContext.Current.CancellationToken);
        faults.Add("PostgreSQL restarted");
    }

    /// <summary>Each replica in turn: cancel jobs it runs, then restart it at once (SIGTERM, a graceful stop: it hands its runs back).</summary>
    private async Task RollingRestartWithCancelsAsync(ChaosLoad load, FaultLog faults, List<Guid> cancels)
    {
        var ct = TestContext.Current.CancellationToken;
        var waiting = Stopwatch.StartNew();
        await fixture.ApisHealthyAsync();
        faults.WaitedForRecovery(waiting.Elapsed);
        foreach (var replica in fixture.App.Api)
        {
            await WaitForRunningAsync(load, ct);
            var running = await JobsDb.ListAsync(fixture.Database,
                $"SELECT id, owner_id FROM jobs WHERE owner_instance = @r AND state = {JobStateSql.Literal(JobState.Running)} AND id = ANY(@ids) LIMIT 2",
                r => (Id: r.GetGuid(0), Owner: r.GetString(1)), ("r", replica.Name), ("ids", load.Submitted.ToArray()));
            foreach (var (id, _) in running)
            {
                await load.CancelAsync(id);
                cancels.Add(id);
            }
            faults.StartRound();
            await replica.GracefulRestartAsync(ct);
            faults.Add($"rolling restart {replica.Name} ({running.Count} cancel(s) pending)");
            faults.EndRound();
            await fixture.ApisHealthyAsync();
        }
    }

    private async Task<AppResource> BusiestApiAsync()
    {
        var busiest = await JobsDb.ScalarAsync<string>(fixture.Database,
            $"SELECT owner_instance FROM jobs WHERE state = {JobStateSql.Literal(JobState.Running)} GROUP BY owner_instance ORDER BY count(*) DESC LIMIT 1");
        return fixture.App.Api.FirstOrDefault(r => r.Name == busiest) ?? fixture.App.Api[0];
    }

    private async Task WaitForRunningAsync(ChaosLoad load, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var running = await JobsDb.ScalarAsync<long>(fixture.Database,
                $"SELECT count(*) FROM jobs WHERE state = {JobStateSql.Literal(JobState.Running)} AND id = ANY(@ids)", ("ids", load.Submitted.ToArray()));
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

    private sealed record Report(string Table, int Completed, int CapturesCompleted, int CompletedTwice, int RunAfterCancel, int SeqGaps);

    private async Task<Report> ReportAsync(ChaosLoad load, FaultLog faults, List<Guid> cancels, IReadOnlyList<Guid> lost,
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
        var failures = await JobsDb.ListAsync(fixture.Database,
            $"SELECT left(error, 100), count(*) FROM tasks WHERE job_id = ANY(@ids) AND state = {TaskStateSql.Literal(TaskState.Failed)} GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
            r => $"{r.GetInt64(1)}× {(r.IsDBNull(0) ? "?" : r.GetString(0))}", ("ids", ids));
        var captures = load.Captures.ToHashSet();
        var captureStates = states.Where(s => captures.Contains(s.Id)).ToList();
        var browsers = new List<string>();
        foreach (var scraper in fixture.App.Scraper)
        {
            if (await ChaosFixture.ScraperStatsAsync(scraper) is { } stats)
            {
                browsers.Add($"{scraper.Name} generation {stats.GetProperty("browser").GetProperty("generation")}");
            }
        }

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
            var contiguous = Enumerable.Range(1, Math.Max(0, applied.Count - 1)).All(i => applied[i] == applied[i - 1] + 1);
            if (!contiguous || stream.LastSeq != lastSeq)
            {
                gaps++;
            }
        }

        var table = new StringBuilder()
            .AppendLine($"Chaos suite ({elapsed.TotalSeconds:F0} s, after the app's start in {fixture.App.StartupDuration.TotalSeconds:F0} s; {Users} users, {ChaosLoad.InFlightPerUser} jobs in flight each, half of them URL captures; " +
                        $"2 Api replicas, leases 3 s; {ChaosFixture.ScraperReplicas} Scraper replicas, {ChaosFixture.MaxPages} pages each)")
            .AppendLine($"faults injected (kind ×times, mean seconds per round): {faults.Summary()}")
            .AppendLine("| faults | submitted | completed | failed | lost | completed twice | cancels honoured | seq gaps seen by clients | limit violations sampled |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|")
            .AppendLine($"| {faults.Count} | {ids.Length} | {states.Count(s => s.State == "completed")} | {states.Count(s => s.State is "failed" or "partial")} | " +
                        $"{lost.Count} | {completedTwice} | {honoured}/{cancels.Count} (run again after cancel: {runAfterCancel}) | {gaps} ({reconciled} caught up by reconciling) | " +
                        $"{limits.Violations} of {limits.Samples} samples |")
            .AppendLine($"URL captures: {captures.Count} submitted, {captureStates.Count(s => s.State == "completed")} completed, " +
                        $"{captureStates.Count(s => s.State is "failed" or "partial")} failed; hub reconnects seen by clients: {load.Reconnects}; " +
                        $"browsers now: {string.Join(", ", browsers)}")
            .AppendLine($"limits sampled: {limits.Describe()}")
            .AppendLine($"failed tasks by reason: {(failures.Count == 0 ? "none" : string.Join("; ", failures))}")
            .ToString();
        return new Report(table, states.Count(s => s.State == "completed"), captureStates.Count(s => s.State == "completed"), completedTwice, runAfterCancel, gaps);
    }

    /// <summary>The faults injected, each with how long its round took from the strike until what it struck had recovered.</summary>
    private sealed class FaultLog
    {
        private readonly List<(string Name, TimeSpan? Took)> _faults = [];
        private readonly Stopwatch _round = new();

        private TimeSpan _recovery;

        public int Count => _faults.Count;

        /// <summary>Time spent before rounds waiting for what they strike to be healthy again.</summary>
        public void WaitedForRecovery(TimeSpan wait) => _recovery += wait;

        public void StartRound() => _round.Restart();

        public void Add(string name) => _faults.Add((name, null));

        public void EndRound()
        {
            for (var i = 0; i < _faults.Count; i++)
            {
                _faults[i] = (_faults[i].Name, _faults[i].Took ?? _round.Elapsed);
            }
        }

        public string Summary() => string.Join(", ", _faults.GroupBy(f => Kind(f.Name))
            .Select(g => $"{g.Key} ×{g.Count()} ({g.Average(f => f.Took?.TotalSeconds ?? 0):F0} s)"))
            + $"; rounds {_faults.Sum(f => f.Took?.TotalSeconds ?? 0):F0} s in all, waiting between them for recoveries {_recovery.TotalSeconds:F0} s";

        /// <summary>"rolling restart api-x (1 cancel(s) pending)" → "rolling restart": the table counts kinds of faults.</summary>
        private static string Kind(string fault) =>
            fault.StartsWith("rolling", StringComparison.Ordinal) ? "rolling restart"
            : fault.IndexOf(" (", StringComparison.Ordinal) is > 0 and var detail ? fault[..detail]
            : fault;
    }

    /// <summary>
    /// Samples the limits while faults happen; a sample that fails (PostgreSQL restarting, a Scraper stopped) is skipped.
    /// Every 100 ms: from PostgreSQL, the most running jobs of any chaos user (limit 3) and of any Api replica (8 executor
    /// slots); from the captured site itself, its requests in flight per host (politeness: 2 across every Scraper). Every
    /// 500 ms: each Scraper's open Chromium pages (its pool: 4). Owner of its two loops, stopped on dispose.
    /// </summary>
    private sealed class LimitSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _loops;
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _samples = [];
        private int _violations;

        public LimitSampler(ChaosFixture fixture, FixtureSite site, IReadOnlyList<string> users)
        {
            _loops =
            [
                Task.Run(async () =>
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        foreach (var host in site.Hosts)
                        {
                            Check($"host {host.Host}", site.InFlight(host.Host), ChaosFixture.PerHostConcurrency);
                        }
                        Sampled("target hosts");
                        try
                        {
                            var worst = await JobsDb.ListAsync(fixture.Database,
                                $"""
                                SELECT 'user ' || owner_id, count(*), 3 FROM jobs WHERE owner_id = ANY(@users) AND state IN {JobStateSql.RunningSlot} GROUP BY owner_id
                                UNION ALL
                                SELECT 'replica ' || owner_instance, count(*), 8 FROM jobs WHERE state IN {JobStateSql.RunningSlot} AND owner_instance IS NOT NULL GROUP BY owner_instance
                                """,
                                r => (Who: r.GetString(0), Count: r.GetInt64(1), Limit: r.GetInt32(2)), ("users", users.ToArray()));
                            foreach (var (who, count, limit) in worst)
                            {
                                Check(who, count, limit);
                            }
                            Sampled("users and api replicas");
                        }
                        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
                        {
                        }
                        await Task.Delay(100).ConfigureAwait(false);
                    }
                }),
                Task.Run(async () =>
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        foreach (var scraper in fixture.App.Scraper)
                        {
                            if (await ChaosFixture.ScraperStatsAsync(scraper) is { } stats)
                            {
                                Check($"{scraper.Name} pages", stats.GetProperty("openPages").GetInt32(), ChaosFixture.MaxPages);
                                Sampled("scraper pages");
                            }
                        }
                        await Task.Delay(500).ConfigureAwait(false);
                    }
                }),
            ];
        }

        /// <summary>Samples taken (one PostgreSQL sample covers every user and Api replica, one site sample every host).</summary>
        public int Samples
        {
            get { lock (_gate) { return _samples.Values.Sum(); } }
        }

        public int Violations => Volatile.Read(ref _violations);

        public List<string> Examples { get; } = [];

        public string Describe()
        {
            lock (_gate)
            {
                return string.Join(", ", _samples.Select(s => $"{s.Key} {s.Value}"));
            }
        }

        private void Sampled(string kind)
        {
            lock (_gate)
            {
                _samples[kind] = _samples.GetValueOrDefault(kind) + 1;
            }
        }

        private void Check(string who, long count, int limit)
        {
            lock (_gate)
            {
                if (count > limit)
                {
                    _violations++;
                    if (Examples.Count < 5)
                    {
                        Examples.Add($"{who}: {count} > {limit} at {DateTime.UtcNow:HH:mm:ss.fff}");
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
                await Task.WhenAll(_loops);
            }
        }
    }
}
