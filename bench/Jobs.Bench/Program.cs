using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Platform.Testing;
using static Platform.Bench.Stats;

// Job engine benchmark: the real distributed app (2 Api replicas behind the gateway, Redis and PostgreSQL,
// no scrapers). Prints submit latency p50/p99 through the gateway (one request at a time, then many) and end-to-end
// throughput of no-op jobs (text-stats on a sentence), with the default limits (3 running + 5 queued per user,
// 8 executor slots per replica). Figures, not assertions: the machine's load average is printed with them.
//   dotnet run --project bench/Jobs.Bench -- [--users 100] [--jobs-per-user 8] [--concurrency 16]
var users = Argument("--users", 100);
var jobsPerUser = Math.Min(Argument("--jobs-per-user", 8), 8);
var concurrency = Argument("--concurrency", 16);

Console.WriteLine($"Starting Platform: 2 Api replicas, gateway, Redis + PostgreSQL ({Environment.ProcessorCount} cores)…");
await using var app = await PlatformApp.StartAsync(new PlatformAppOptions { ApiReplicas = 2, ScraperReplicas = 0 });
Console.WriteLine($"Ready in {app.StartupDuration.TotalSeconds:0.0} s at {app.GatewayUrl}");

var sessions = await ForEachAsync(Enumerable.Range(0, users), concurrency, async i =>
{
    var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), MaxConnectionsPerServer = 4 })
    {
        BaseAddress = app.GatewayUrl,
    };
    var account = new { email = $"bench-{i}@bench.test", password = "Passw0rd!" };
    (await http.PostAsJsonAsync("/api/account/register", account)).EnsureSuccessStatusCode();
    (await http.PostAsJsonAsync("/api/account/login", account)).EnsureSuccessStatusCode();
    return http;
});

// Warm-up: JIT, connection pools, the first dispatches.
await ForEachAsync(sessions.Take(8), 8, http => SubmitAsync(http));
await WaitAllFinishedAsync(app.PostgresConnectionString, expected: 8, TimeSpan.FromSeconds(60));

// Phase 1, latency: one request at a time (the time a user waits for 202), each user's first job.
var latencyUsers = sessions.Skip(8).Take(Math.Min(200, users - 8)).ToList();
Console.WriteLine($"Latency: {latencyUsers.Count} submits, one at a time…");
var sequential = await ForEachAsync(latencyUsers, 1, SubmitAsync);
await WaitAllFinishedAsync(app.PostgresConnectionString, expected: 8 + latencyUsers.Count, TimeSpan.FromMinutes(5));
var single = sequential.Where(l => l.Status == HttpStatusCode.Accepted).Select(l => l.Elapsed.TotalMilliseconds).Order().ToList();

// Phase 2, throughput: every user fills its 3 running + 5 queued, many requests in flight, until all jobs finished.
var work = sessions.SelectMany(http => Enumerable.Repeat(http, jobsPerUser)).ToList();
var before = 8 + latencyUsers.Count;
Console.WriteLine($"Throughput: {work.Count} no-op jobs ({users} users × {jobsPerUser}, {concurrency} requests in flight)…");
var clock = Stopwatch.StartNew();
var latencies = await ForEachAsync(work, concurrency, SubmitAsync);
var submitted = clock.Elapsed;
var drained = await WaitAllFinishedAsync(app.PostgresConnectionString, expected: before + work.Count, TimeSpan.FromMinutes(10));
var total = clock.Elapsed;

var accepted = latencies.Where(l => l.Status == HttpStatusCode.Accepted).Select(l => l.Elapsed.TotalMilliseconds).Order().ToList();
var stats = await JobStatsAsync(app.PostgresConnectionString);
Console.WriteLine();
Console.WriteLine($"Job engine benchmark (2 Api replicas, {Environment.ProcessorCount} cores, load average {LoadAverage()})");
Console.WriteLine($"  submit latency, 1 in flight      p50 {Percentile(single, 0.50):0.0} ms   p99 {Percentile(single, 0.99):0.0} ms   ({single.Count} submits)");
Console.WriteLine($"  submit latency, {concurrency} in flight     p50 {Percentile(accepted, 0.50):0.0} ms   p99 {Percentile(accepted, 0.99):0.0} ms   ({accepted.Count} accepted, {latencies.Count - accepted.Count} refused)");
Console.WriteLine($"  submit rate                      {accepted.Count / submitted.TotalSeconds:0.0} jobs/s");
Console.WriteLine($"  end-to-end no-op throughput      {(drained.Completed - before) / total.TotalSeconds:0.0} jobs/s   ({drained.Completed - before} completed, {drained.Other} other, first submit to last finish {total.TotalSeconds:0.0} s)");
Console.WriteLine($"  server: submit→start             p50 {stats.StartP50:0.0} ms   p99 {stats.StartP99:0.0} ms");
Console.WriteLine($"  server: claim→finish             p50 {stats.RunP50:0.0} ms   p99 {stats.RunP99:0.0} ms");
return 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

static async Task<Submit> SubmitAsync(HttpClient http)
{
    var started = Stopwatch.GetTimestamp();
    using var response = await http.PostAsJsonAsync("/api/jobs",
        new { source = new { text = "A no-op job: count these words." }, formats = new[] { "text-stats" } });
    return new Submit(response.StatusCode, Stopwatch.GetElapsedTime(started));
}

static async Task<(long Completed, long Other)> WaitAllFinishedAsync(string connectionString, int expected, TimeSpan timeout)
{
    await using var db = NpgsqlDataSource.Create(connectionString);
    var deadline = DateTime.UtcNow + timeout;
    while (true)
    {
        await using var command = db.CreateCommand(
            "SELECT count(*) FILTER (WHERE state = 'completed'), count(*) FILTER (WHERE state NOT IN ('completed', 'queued', 'running', 'cancelling')) FROM jobs");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (completed, other) = (reader.GetInt64(0), reader.GetInt64(1));
        if (completed + other >= expected || DateTime.UtcNow > deadline)
        {
            return (completed, other);
        }
        await Task.Delay(20);
    }
}

static async Task<(double StartP50, double StartP99, double RunP50, double RunP99)> JobStatsAsync(string connectionString)
{
    await using var db = NpgsqlDataSource.Create(connectionString);
    await using var command = db.CreateCommand(
        """
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)),
               percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)),
               percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))
        FROM jobs WHERE state = 'completed'
        """);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return (reader.GetDouble(0) * 1000, reader.GetDouble(1) * 1000, reader.GetDouble(2) * 1000, reader.GetDouble(3) * 1000);
}

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}

internal readonly record struct Submit(HttpStatusCode Status, TimeSpan Elapsed);
