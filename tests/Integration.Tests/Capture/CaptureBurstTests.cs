using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Fixtures;
using Platform.Integration.Tests.Jobs;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Capture;

/// <summary>
/// Issue 11's burst: 300 URL jobs on one host and 50 on five others, submitted at once by 44 users with the default limits
/// (each user may have 3 running and 5 queued: 44 × 8 holds the burst), through the gateway, against two Api replicas and
/// two Scrapers. Waiting for capacity must be queueing, never failure: every job completes on its first attempt, the
/// per-host limit (2) holds throughout, and the other hosts' jobs — queued behind the busy host's in every user's list —
/// are not held up by it. The pages are small and cheap (50 ms of server think time), the formats light.
/// </summary>
[Collection(CaptureCollection.Name)]
public sealed class CaptureBurstTests(CaptureAppFixture fixture)
{
    private const int BusyHostJobs = 300;
    private const int OtherHosts = 5;
    private const int JobsPerOtherHost = 10;
    private const int JobsPerUser = 8; // the default admission: 3 running + 5 queued
    private const int PerHostLimit = 2; // Capture:PerHostConcurrency's default
    private const int PageLatencyMs = 50;
    private static readonly string[] Formats = ["markdown", "metadata"];
    private static readonly TimeSpan BurstTimeout = TimeSpan.FromMinutes(10);

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_burst_mostly_on_one_host_completes_without_failures_or_burned_attempts_and_never_exceeds_the_per_host_limit()
    {
        var output = TestContext.Current.TestOutputHelper!;
        await using var site = await FixtureSite.StartAsync(hostCount: 1 + OtherHosts);
        var plan = Plan(site);
        var users = await RegisterAsync(plan.Count);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var sampler = SampleHostSlotsAsync(redis.GetDatabase(), site, sampling.Token);

        var clock = Stopwatch.StartNew();
        var jobs = new ConcurrentDictionary<Guid, (int User, int Host)>();
        var refused = 0;
        await Task.WhenAll(users.Select(async (user, u) =>
        {
            // In order: a user's jobs on the busy host come first in its queue, the other hosts' behind them.
            foreach (var (url, host) in plan[u])
            {
                using var response = await user.SubmitAsync(new { source = new { url = url.AbsoluteUri }, formats = Formats, options = new { } });
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref refused);
                    continue;
                }
                jobs[(await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid()] = (u, host);
            }
        }));
        var submitted = clock.Elapsed;
        Assert.Equal(0, refused);
        Assert.Equal(BusyHostJobs + OtherHosts * JobsPerOtherHost, jobs.Count);

        // While the busy host is saturated, its queued jobs say so ("waiting for host 127.0.0.1") with a position.
        var reasons = await WatchWaitingAsync(users, jobs, TimeSpan.FromSeconds(15));

        var rows = await WaitAllFinishedAsync(jobs.Keys, BurstTimeout);
        var took = clock.Elapsed;
        await sampling.CancelAsync();
        var (samples, maxHolders) = await sampler;

        var busy = rows.Where(r => jobs[r.Id].Host == 0).ToList();
        var others = rows.Where(r => jobs[r.Id].Host != 0).ToList();
        var start = rows.Min(r => r.CreatedAt);
        double Seconds(DateTimeOffset at) => (at - start).TotalSeconds;
        var busyFinish = busy.Select(r => Seconds(r.FinishedAt!.Value)).Order().ToList();
        var othersFinish = others.Select(r => Seconds(r.FinishedAt!.Value)).Order().ToList();
        var othersStart = others.Select(r => (r.StartedAt!.Value - r.CreatedAt).TotalSeconds).Order().ToList();
        var peaks = site.Hosts.Select(h => site.PeakInFlight(h.Host)).ToList();
        var busyHold = busy.Select(r => (r.FinishedAt!.Value - r.StartedAt!.Value).TotalSeconds).Order().ToList();
        var inScraper = (await ScraperTimelinesAsync(site.Hosts[0].Host)).Order().ToList();
        output.WriteLine($"burst: {jobs.Count} jobs from {users.Count} users submitted in {submitted.TotalSeconds:F1} s, all finished after {took.TotalSeconds:F1} s " +
                         $"({jobs.Count / took.TotalMinutes:F0} jobs/min); load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        output.WriteLine($"states: {string.Join(", ", rows.GroupBy(r => r.State).Select(g => $"{g.Key} {g.Count()}"))}; job attempts > 1: {rows.Count(r => r.Attempt > 1)}; task tries > 1: {rows.Count(r => r.MaxTaskAttempts > 1)}");
        output.WriteLine($"busy host ({BusyHostJobs} jobs): finished p50 {Percentile(busyFinish, 0.5):F1} s, last {busyFinish[^1]:F1} s ({BusyHostJobs / busyFinish[^1] * 60:F0} captures/min at the limit of {PerHostLimit})");
        output.WriteLine($"busy host, per job: claim→finished p50 {Percentile(busyHold, 0.5):F2} s, p90 {Percentile(busyHold, 0.9):F2} s; " +
                         $"in the Scraper (admitted→page closed) p50 {Percentile(inScraper, 0.5):F2} s, p90 {Percentile(inScraper, 0.9):F2} s (last {inScraper.Count})");
        output.WriteLine($"other hosts ({others.Count} jobs): submit→start p50 {Percentile(othersStart, 0.5):F1} s, max {othersStart[^1]:F1} s; finished p50 {Percentile(othersFinish, 0.5):F1} s, last {othersFinish[^1]:F1} s");
        output.WriteLine($"per-host slots held, most seen in {samples} samples of Redis: {string.Join(", ", maxHolders.Select((m, i) => $"{site.Hosts[i].Host} {m}"))}");
        output.WriteLine($"per-host requests in flight at the site, peak: {string.Join(", ", peaks.Select((p, i) => $"{site.Hosts[i].Host} {p}"))}");
        output.WriteLine($"queued snapshots seen: {string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value}"))}");

        Assert.All(rows, r => Assert.Equal("completed", r.State));
        Assert.All(rows, r => Assert.Equal(1, r.Attempt));
        Assert.All(rows, r => Assert.Equal(1, r.MaxTaskAttempts));
        Assert.All(maxHolders, m => Assert.InRange(m, 0, PerHostLimit));
        Assert.All(peaks, p => Assert.InRange(p, 0, PerHostLimit));
        Assert.True(maxHolders[0] == PerHostLimit && peaks[0] == PerHostLimit, "the busy host never reached its limit: the sampling proves nothing");
        Assert.True(reasons.GetValueOrDefault("host 127.0.0.1") > 0, $"no queued job of the busy host said it waits for it: {string.Join(", ", reasons)}");
        // Not stuck behind the busy host: every other host's job was done before half of the busy host's were.
        Assert.True(othersFinish[^1] < Percentile(busyFinish, 0.5),
            $"the other hosts' last job finished at {othersFinish[^1]:F1} s, the busy host's median at {Percentile(busyFinish, 0.5):F1} s");
        // An operator's log: one line per event, not four per call to the Scraper (HttpClient's start/send/headers/end).
        var perCall = fixture.App.Api.SelectMany(api => api.RecentLogLines(1000))
            .Count(line => line.Contains("System.Net.Http.HttpClient", StringComparison.Ordinal));
        Assert.True(perCall == 0, $"{perCall} HttpClient lines in the Api replicas' logs after {rows.Count} captures");
    }

    /// <summary>Per user, its URLs in submission order: the busy host's first, then the others' (round-robin over users).</summary>
    private static List<List<(Uri Url, int Host)>> Plan(FixtureSite site)
    {
        var otherJobs = Enumerable.Range(0, OtherHosts * JobsPerOtherHost)
            .Select(k => (Url: site.SitePage(k / OtherHosts, PageLatencyMs, host: 1 + k % OtherHosts), Host: 1 + k % OtherHosts))
            .ToList();
        var userCount = (BusyHostJobs + otherJobs.Count + JobsPerUser - 1) / JobsPerUser;
        var plan = Enumerable.Range(0, userCount).Select(_ => new List<(Uri, int)>()).ToList();
        var tails = Enumerable.Range(0, userCount).Select(_ => new List<(Uri, int)>()).ToList();
        for (var k = 0; k < otherJobs.Count; k++)
        {
            tails[k % userCount].Add(otherJobs[k]);
        }
        var busyLeft = BusyHostJobs;
        for (var u = 0; u < userCount; u++)
        {
            var busy = Math.Min(busyLeft, JobsPerUser - tails[u].Count);
            plan[u].AddRange(Enumerable.Range(BusyHostJobs - busyLeft, busy).Select(i => (site.SitePage(i % FixtureSite.SitePages, PageLatencyMs, host: 0), 0)));
            busyLeft -= busy;
            plan[u].AddRange(tails[u]);
        }
        Assert.Equal(0, busyLeft);
        return plan;
    }

    private async Task<List<UserSession>> RegisterAsync(int count)
    {
        var users = new UserSession[count];
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(Ct);
            try
            {
                users[i] = await fixture.NewUserAsync($"burst-{i}-{Guid.NewGuid():N}@jobs.test");
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. users];
    }

    /// <summary>Every 50 ms, how many leases each host's politeness semaphore holds (Api reservations and Scraper slots alike).</summary>
    private static async Task<(int Samples, int[] MaxHolders)> SampleHostSlotsAsync(IDatabase db, FixtureSite site, CancellationToken ct)
    {
        var keys = site.Hosts.Select(h => (RedisKey)$"platform:sem:host:{h.Host}").ToArray();
        var max = new int[keys.Length];
        var samples = 0;
        while (!ct.IsCancellationRequested)
        {
            var lengths = await Task.WhenAll(keys.Select(k => db.SortedSetLengthAsync(k)));
            for (var i = 0; i < keys.Length; i++)
            {
                max[i] = Math.Max(max[i], (int)lengths[i]);
            }
            samples++;
            await Task.Delay(50, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return (samples, max);
    }

    /// <summary>Polls the snapshots of a few users' last busy-host jobs while they are queued; counts the reasons seen.</summary>
    private async Task<Dictionary<string, int>> WatchWaitingAsync(IReadOnlyList<UserSession> users, ConcurrentDictionary<Guid, (int User, int Host)> jobs, TimeSpan duration)
    {
        var watched = jobs.Where(j => j.Value.Host == 0).GroupBy(j => j.Value.User).Take(6).Select(g => (User: g.Key, Job: g.Last().Key)).ToList();
        var seen = new Dictionary<string, int>();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < duration)
        {
            foreach (var (u, id) in watched)
            {
                var job = await users[u].GetJobAsync(id);
                if (job.GetProperty("state").GetString() != "queued")
                {
                    continue;
                }
                Assert.True(job.GetProperty("queuePosition").GetInt32() >= 1, $"a queued job without a position: {job}");
                var waiting = job.GetProperty("waiting");
                var key = waiting.GetProperty("reason").GetString() + (waiting.TryGetProperty("host", out var host) && host.ValueKind == JsonValueKind.String ? $" {host.GetString()}" : "");
                seen[key] = seen.GetValueOrDefault(key) + 1;
            }
            await Task.Delay(200, Ct);
        }
        return seen;
    }

    /// <summary>Seconds from admission to page closed of the Scrapers' recent captures of <paramref name="host"/> (their ring buffers).</summary>
    private async Task<List<double>> ScraperTimelinesAsync(string host)
    {
        var seconds = new List<double>();
        foreach (var scraper in fixture.App.Scraper)
        {
            using var http = new HttpClient { BaseAddress = scraper.Url, Timeout = TimeSpan.FromSeconds(10) };
            var stats = await http.GetFromJsonAsync<JsonElement>("/captures/stats", Ct);
            seconds.AddRange(stats.GetProperty("recent").EnumerateArray()
                .Where(t => t.GetProperty("host").GetString() == host)
                .Select(t => (t.GetProperty("pageClosedAt").GetInt64() - t.GetProperty("hostSlotAt").GetInt64()) / 1000.0));
        }
        return seconds.Count == 0 ? [0] : seconds;
    }

    private sealed record JobRow(Guid Id, string State, int Attempt, int MaxTaskAttempts, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

    private async Task<List<JobRow>> WaitAllFinishedAsync(ICollection<Guid> ids, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var all = ids.ToArray();
        while (true)
        {
            var rows = new List<JobRow>();
            await using (var command = fixture.Database.CreateCommand(
                """
                SELECT j.id, j.state, j.attempt, (SELECT coalesce(max(t.attempts), 0) FROM tasks t WHERE t.job_id = j.id),
                       j.created_at, j.started_at, j.finished_at
                FROM jobs j WHERE j.id = ANY(@ids)
                """))
            {
                command.Parameters.AddWithValue("ids", all);
                await using var reader = await command.ExecuteReaderAsync(Ct);
                while (await reader.ReadAsync(Ct))
                {
                    rows.Add(new JobRow(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                        reader.GetFieldValue<DateTimeOffset>(4),
                        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
                }
            }
            if (rows.All(r => r.State is "completed" or "partial" or "failed" or "cancelled" or "expired"))
            {
                return rows;
            }
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"After {timeout}: {string.Join(", ", rows.GroupBy(r => r.State).Select(g => $"{g.Key} {g.Count()}"))}.");
            }
            await Task.Delay(500, Ct);
        }
    }

    private static double Percentile(IReadOnlyList<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
}
