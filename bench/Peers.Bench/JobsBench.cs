using Platform.Bench;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Platform.Peers.Bench;

/// <summary>No-op throughput (first submit to last finish) and submit→start latency, with free capacity and under load.</summary>
internal sealed record JobsRun(string Subject, int Jobs, int Completed, TimeSpan Elapsed, IReadOnlyList<double> IdleStartMs, IReadOnlyList<double> LoadedStartMs)
{
    public double PerSecond => Completed / Elapsed.TotalSeconds;
}

/// <summary>
/// Platform's job engine through the gateway (a text job with the cheap <c>text-stats</c> format is its no-op) against
/// Hangfire (Hangfire.Core + Hangfire.PostgreSql, its server in this process, its own schema on Platform's PostgreSQL,
/// as many workers as Platform has executor slots). Both are given the same number of jobs, submitted with the same
/// number of requests in flight.
/// </summary>
internal static class JobsBench
{
    public const string Platform = "platform";
    public const string Hangfire = "hangfire";
    private const int WarmUpPerUser = 8; // 10 users × 8 = 80 jobs before anything is timed

    /// <summary>
    /// <paramref name="users"/> × <paramref name="jobsPerUser"/> no-op jobs (Platform admits 3 running + 5 queued per user,
    /// so the load is spread over many users), then <paramref name="idleJobs"/> jobs one at a time, each waited for.
    /// Submit→start is the server's own created_at → started_at.
    /// </summary>
    public static async Task<JobsRun> RunPlatformAsync(IReadOnlyList<HttpClient> users, int jobsPerUser, int inFlight, int idleJobs, string postgres, string appTag)
    {
        await using var db = NpgsqlDataSource.Create(postgres);
        // Warm-up: JIT (the hot paths recompiled at higher tiers), connection pools, the first dispatches.
        var warmUp = await Stats.ForEachAsync(users.Take(10).SelectMany(user => Enumerable.Repeat(user, WarmUpPerUser)).ToList(), inFlight, SubmitNoOpAsync);
        await WaitFinishedAsync(db, warmUp, TimeSpan.FromMinutes(1));
        // Then the timed load once, untimed: 80 jobs left the Api replicas spending half their CPU of the timed run in the
        // JIT (a perf profile: libclrjit 50 %, the code it compiled 14 %), recompiling at a higher tier the paths that
        // only concurrency reaches. A service runs for days; the figure wanted is its steady state. Hangfire gets the same.
        var work = users.SelectMany(user => Enumerable.Repeat(user, jobsPerUser)).ToList();
        await Stats.ForEachAsync(work, inFlight, SubmitNoOpAsync);
        await WaitNoneUnfinishedAsync(db, TimeSpan.FromMinutes(10));
        await ProcessCpu.WaitQuietAsync(appTag); // the background recompilation the warm-up triggered

        var idle = new List<Guid>();
        for (var i = 0; i < idleJobs; i++)
        {
            var id = await SubmitNoOpAsync(users[i % users.Count]);
            await WaitFinishedAsync(db, [id], TimeSpan.FromSeconds(30));
            idle.Add(id);
        }

        MarkPhase("platform-timed");
        using var cpu = ProcessCpu.Snapshot(appTag);
        var clock = Stopwatch.StartNew();
        var loaded = await Stats.ForEachAsync(work, inFlight, SubmitNoOpAsync);
        await WaitNoneUnfinishedAsync(db, TimeSpan.FromMinutes(10));
        var elapsed = clock.Elapsed;
        await WaitFinishedAsync(db, loaded, TimeSpan.FromSeconds(1));
        Console.WriteLine($"  platform no-op jobs: {cpu.Describe(work.Count, "job")}");
        var loadedStarts = await StartLatenciesAsync(db, loaded);
        var idleStarts = await StartLatenciesAsync(db, idle);
        var run = new JobsRun(Platform, work.Count, loadedStarts.Count, elapsed, idleStarts, loadedStarts);
        Print(run);
        return run;
    }

    /// <summary>For a profiler started from outside: <c>PEERS_BENCH_PHASE_FILE</c>, when set, gets the name of the phase starting.</summary>
    private static void MarkPhase(string phase)
    {
        if (Environment.GetEnvironmentVariable("PEERS_BENCH_PHASE_FILE") is { Length: > 0 } file)
        {
            File.WriteAllText(file, phase);
        }
    }

    private static async Task<Guid> SubmitNoOpAsync(HttpClient user)
    {
        using var response = await user.PostAsJsonAsync("/api/jobs",
            new { source = new { text = "A no-op job: count these words." }, formats = new[] { "text-stats" } });
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"submit answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return Guid.Parse((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
    }

    private static async Task WaitFinishedAsync(NpgsqlDataSource db, IReadOnlyList<Guid> ids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using var command = db.CreateCommand("SELECT count(*) FROM jobs WHERE id = ANY($1) AND state NOT IN ('queued', 'running', 'cancelling')");
            command.Parameters.AddWithValue(ids.ToArray());
            var finished = (long)(await command.ExecuteScalarAsync())!;
            if (finished >= ids.Count)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{ids.Count - finished} of {ids.Count} Platform jobs not finished after {timeout}");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Waits until no job of the app is queued or running: the timed phase's poll, every 10 ms. Two lookups in the partial
    /// indexes of queued and leased jobs, where asking for the 800 ids' states made PostgreSQL probe the primary key 800
    /// times per poll, CPU charged to Platform's jobs (Hangfire's poll counts its small job table).
    /// </summary>
    private static async Task WaitNoneUnfinishedAsync(NpgsqlDataSource db, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        await using var command = db.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM jobs WHERE state = 'queued') OR EXISTS (SELECT 1 FROM jobs WHERE state IN ('running', 'cancelling'))");
        while ((bool)(await command.ExecuteScalarAsync())!)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Platform jobs still unfinished after {timeout}");
            }
            await Task.Delay(10);
        }
    }

    private static async Task<List<double>> StartLatenciesAsync(NpgsqlDataSource db, IReadOnlyList<Guid> ids)
    {
        await using var command = db.CreateCommand(
            "SELECT extract(epoch FROM started_at - created_at) * 1000 FROM jobs WHERE id = ANY($1) AND state = 'completed'");
        command.Parameters.AddWithValue(ids.ToArray());
        var values = new List<double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add((double)reader.GetDecimal(0));
        }
        values.Sort();
        return values;
    }

    /// <summary>
    /// Hangfire with <paramref name="workers"/> workers: the same idle phase (enqueue one, wait for it), then
    /// <paramref name="jobs"/> no-op jobs enqueued <paramref name="inFlight"/> at a time until all have succeeded.
    /// Enqueue→start is from just before <c>BackgroundJob.Enqueue</c> to the first line of the job method.
    /// </summary>
    public static async Task<JobsRun> RunHangfireAsync(string postgres, int workers, int jobs, int inFlight, int idleJobs, string appTag)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire_bench",
            PrepareSchemaIfNecessary = true,
            // LISTEN/NOTIFY wake-ups, the storage's low-latency mode (Platform's dispatcher is woken through Redis likewise).
            EnableLongPolling = true,
        };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(postgres, options), options);
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(storage);
        var client = new BackgroundJobClient(storage);
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers, ServerName = "peers-bench" }, storage);
        await using var db = NpgsqlDataSource.Create(postgres);

        var ids = 0;
        // Warm-up, as for Platform: 80 jobs, then the timed load once.
        await Task.WhenAll(Enumerable.Range(0, 10 * WarmUpPerUser).Select(_ => Task.Run(() => HangfireNoOp.Enqueue(client, Interlocked.Increment(ref ids)))));
        await HangfireNoOp.WaitStartedAsync(ids, TimeSpan.FromMinutes(1));
        await WaitSucceededAsync(db, ids, TimeSpan.FromMinutes(1));
        await Stats.ForEachAsync(Enumerable.Range(0, jobs), inFlight, _ => Task.Run(() =>
        {
            var id = Interlocked.Increment(ref ids);
            HangfireNoOp.Enqueue(client, id);
            return id;
        }));
        await WaitSucceededAsync(db, ids, TimeSpan.FromMinutes(10));
        await ProcessCpu.WaitQuietAsync(appTag);
        await Task.Delay(TimeSpan.FromSeconds(3)); // Hangfire's server is in this process, which the quiet check leaves out

        var idle = new List<int>();
        for (var i = 0; i < idleJobs; i++)
        {
            var id = Interlocked.Increment(ref ids);
            HangfireNoOp.Enqueue(client, id);
            await HangfireNoOp.WaitStartedAsync(id, TimeSpan.FromSeconds(30));
            await WaitSucceededAsync(db, ids, TimeSpan.FromSeconds(30));
            idle.Add(id);
        }

        var before = ids;
        using var cpu = ProcessCpu.Snapshot(appTag);
        var clock = Stopwatch.StartNew();
        var loaded = await Stats.ForEachAsync(Enumerable.Range(0, jobs), inFlight, _ => Task.Run(() =>
        {
            var id = Interlocked.Increment(ref ids);
            HangfireNoOp.Enqueue(client, id);
            return id;
        }));
        var succeeded = await WaitSucceededAsync(db, before + jobs, TimeSpan.FromMinutes(10));
        var elapsed = clock.Elapsed;
        Console.WriteLine($"  hangfire no-op jobs (its server runs in the bench client): {cpu.Describe(jobs, "job")}");
        var run = new JobsRun(Hangfire, jobs, (int)(succeeded - before), elapsed, HangfireNoOp.StartLatencies(idle), HangfireNoOp.StartLatencies(loaded));
        Print(run);
        return run;
    }

    /// <summary>Waits until Hangfire has moved <paramref name="expected"/> jobs in all to Succeeded (its job table is the truth).</summary>
    private static async Task<long> WaitSucceededAsync(NpgsqlDataSource db, int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using var command = db.CreateCommand("SELECT count(*) FROM hangfire_bench.job WHERE statename = 'Succeeded'");
            var succeeded = (long)(await command.ExecuteScalarAsync())!;
            if (succeeded >= expected || DateTime.UtcNow > deadline)
            {
                return succeeded;
            }
            await Task.Delay(10);
        }
    }

    private static void Print(JobsRun run) => Console.WriteLine(
        $"  {run.Subject,-10}: {run.PerSecond,7:0.0} no-op jobs/s ({run.Completed} of {run.Jobs} in {run.Elapsed.TotalSeconds:0.0} s); " +
        $"submit→start idle p50 {Stats.Percentile(run.IdleStartMs, 0.5):0.0} ms p99 {Stats.Percentile(run.IdleStartMs, 0.99):0.0} ms, " +
        $"loaded p50 {Stats.Percentile(run.LoadedStartMs, 0.5):0.0} ms p99 {Stats.Percentile(run.LoadedStartMs, 0.99):0.0} ms");
}

/// <summary>The Hangfire job: records when it started. Public and static so Hangfire can serialize the call.</summary>
public static class HangfireNoOp
{
    private static readonly ConcurrentDictionary<int, long> Enqueued = new();
    private static readonly ConcurrentDictionary<int, long> Started = new();

    public static void Run(int id) => Started[id] = Stopwatch.GetTimestamp();

    internal static void Enqueue(IBackgroundJobClient client, int id)
    {
        Enqueued[id] = Stopwatch.GetTimestamp();
        client.Enqueue(() => Run(id));
    }

    internal static async Task WaitStartedAsync(int id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Started.ContainsKey(id))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Hangfire job {id} not started after {timeout}");
            }
            await Task.Delay(1);
        }
    }

    internal static List<double> StartLatencies(IEnumerable<int> ids) =>
        Stats.Sorted(ids.Where(Started.ContainsKey).Select(id => Stats.Milliseconds(Enqueued[id], Started[id])));
}
