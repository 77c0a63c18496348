using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Platform.Testing;
using Platform.Integration.Tests.Live;

// Live progress at scale: N SignalR clients (WebSockets, cookie auth) spread over 2 Api replicas, each watching one of
// M running diagnostic jobs, so every job has N/M watchers on both replicas. Prints the latency from an event's append
// (its "at", stamped by the Api on this same machine) to its receipt by a client, p50/p90/p99/max over every live push,
// and the Api processes' resident memory (VmRSS) idle, at peak and at the end. Not a test: it asserts nothing.
// Usage: dotnet Live.Bench.dll [--clients 1000] [--jobs 100] [--users 10] [--job-seconds 20] [--steps 200] [--progress-ms 500]
var clientCount = Arg("--clients", 1000);
var jobCount = Arg("--jobs", 100);
var userCount = Arg("--users", 10);
var jobSeconds = Arg("--job-seconds", 20);
var steps = Arg("--steps", 200);
var progressMs = Arg("--progress-ms", 500);
var jobsPerUser = (jobCount + userCount - 1) / userCount;

var appOptions = new PlatformAppOptions { ApiReplicas = 2, ScraperReplicas = 0 };
var api = appOptions.ApiEnvironment;
api["Diagnostics__EnableFaultFormats"] = "true";
api["JobLimits__RunningPerUser"] = jobsPerUser.ToString(CultureInfo.InvariantCulture);
api["JobLimits__QueuedPerUser"] = jobsPerUser.ToString(CultureInfo.InvariantCulture);
api["JobLimits__ExecutorSlotsPerReplica"] = Math.Min(1000, jobCount).ToString(CultureInfo.InvariantCulture);
api["Dispatch__ProgressInterval"] = TimeSpan.FromMilliseconds(progressMs).ToString("c", CultureInfo.InvariantCulture);
api["Logging__LogLevel__Default"] = "Warning";

var startWatch = Stopwatch.StartNew();
await using var app = await PlatformApp.StartAsync(appOptions);
Console.WriteLine($"App: 2 Api replicas + gateway, Redis and PostgreSQL, started in {startWatch.Elapsed.TotalSeconds:0.0} s");
Console.WriteLine($"load average (1/5/15 min) at the start: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"Plan: {clientCount} clients, {jobCount} jobs of {jobSeconds} s ({steps} progress steps, engine progress interval {progressMs} ms), {userCount} users, {clientCount / jobCount} watchers per job, {Environment.ProcessorCount} cores");

var users = new List<LiveUser>();
for (var u = 0; u < userCount; u++)
{
    users.Add(await LiveUser.SignUpAsync(app.GatewayUrl, $"bench-{u}-{Guid.NewGuid():N}@example.test", CancellationToken.None));
}

// Connect every client (50 at a time): client i is user i % users, on replica i % 2.
var clients = new BenchClient[clientCount];
var connectWatch = Stopwatch.StartNew();
using (var gate = new SemaphoreSlim(50))
{
    await Task.WhenAll(Enumerable.Range(0, clientCount).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            clients[i] = await BenchClient.ConnectAsync(app.Api[i % 2].Url!, users[i % userCount]);
        }
        finally
        {
            gate.Release();
        }
    }));
}
Console.WriteLine($"Connected {clientCount} clients in {connectWatch.Elapsed.TotalSeconds:0.0} s");
await Task.Delay(TimeSpan.FromSeconds(2));
var idle = app.Api.Select(r => Rss(r.Pid)).ToArray();
Console.WriteLine($"Api memory with {clientCount} idle connections: {string.Join(", ", app.Api.Select((r, i) => $"{r.Name} {Mb(idle[i])}"))}");

// Submit the jobs (user j % users), then each client subscribes to one of its user's jobs.
var jobs = new List<Guid>[userCount];
for (var u = 0; u < userCount; u++)
{
    jobs[u] = [];
}
var submitWatch = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, userCount).Select(async u =>
{
    for (var k = u; k < jobCount; k += userCount)
    {
        jobs[u].Add(await users[u].SubmitDiagnosticJobAsync(jobSeconds * 1000, steps, CancellationToken.None, ["diagnostic"]));
    }
}));
Console.WriteLine($"Submitted {jobCount} jobs in {submitWatch.Elapsed.TotalSeconds:0.0} s");

var peak = (long[])idle.Clone();
using var sampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    while (!sampling.IsCancellationRequested)
    {
        for (var r = 0; r < app.Api.Count; r++)
        {
            peak[r] = Math.Max(peak[r], Rss(app.Api[r].Pid));
        }
        await Task.Delay(250);
    }
});

var subscribeTimes = new List<double>();
using (var gate = new SemaphoreSlim(50))
{
    await Task.WhenAll(Enumerable.Range(0, clientCount).Select(async i =>
    {
        var userJobs = jobs[i % userCount];
        var job = userJobs[(i / userCount) % userJobs.Count];
        await gate.WaitAsync();
        try
        {
            var elapsed = await clients[i].SubscribeAsync(job);
            lock (subscribeTimes)
            {
                subscribeTimes.Add(elapsed);
            }
        }
        finally
        {
            gate.Release();
        }
    }));
}
Console.WriteLine($"Subscribed: SubscribeJob p50 {Percentile(subscribeTimes, 0.50):0.0} ms, p99 {Percentile(subscribeTimes, 0.99):0.0} ms");

var runWatch = Stopwatch.StartNew();
var allFinished = Task.WhenAll(clients.Select(c => c.Finished));
if (await Task.WhenAny(allFinished, Task.Delay(TimeSpan.FromSeconds(jobSeconds * 4 + 120))) != allFinished)
{
    Console.WriteLine($"Timed out: {clients.Count(c => !c.Finished.IsCompleted)} clients never saw their job finish");
}
await sampling.CancelAsync();
await sampler;
Console.WriteLine($"All watched jobs finished {runWatch.Elapsed.TotalSeconds:0.0} s after the last subscribe");

var latencies = clients.SelectMany(c => c.Latencies).ToList();
Console.WriteLine();
Console.WriteLine($"Live pushes received: {latencies.Count} ({clients.Sum(c => c.Duplicates)} duplicates of the subscribe answers, " +
                  $"{clients.Sum(c => c.Gaps)} gaps in {clients.Count(c => c.Gaps > 0)} clients, {clients.Sum(c => c.Reconnects)} reconnects)");
Console.WriteLine($"Append → receipt latency: p50 {Percentile(latencies, 0.50):0.0} ms, p90 {Percentile(latencies, 0.90):0.0} ms, " +
                  $"p99 {Percentile(latencies, 0.99):0.0} ms, max {latencies.DefaultIfEmpty(0).Max():0.0} ms  (aim: p99 < 50 ms)");
var end = app.Api.Select(r => Rss(r.Pid)).ToArray();
foreach (var (replica, r) in app.Api.Select((replica, r) => (replica, r)))
{
    Console.WriteLine($"{replica.Name} VmRSS: idle with connections {Mb(idle[r])}, peak {Mb(peak[r])}, end {Mb(end[r])}");
}
Console.WriteLine($"bench process (the {clientCount} clients) VmRSS: {Mb(Rss(Environment.ProcessId))}");

Console.WriteLine($"load average (1/5/15 min) at the end: {File.ReadAllText("/proc/loadavg").Trim()}");

// Where the time goes on the server, from the replicas' Platform.Live histograms (bucket upper bounds).
Console.WriteLine();
using var http = new HttpClient();
var scraped = new List<string>();
foreach (var replica in app.Api)
{
    var lines = (await http.GetStringAsync(new Uri(replica.Url!, "metrics"))).Split('\n')
        .Where(l => l.StartsWith("platform_live_", StringComparison.Ordinal)).ToList();
    scraped.AddRange(lines);
    Console.WriteLine($"{replica.Name} Platform.Live: " + string.Join(", ", lines
        .Where(l => (l.Contains("_total", StringComparison.Ordinal) || l.StartsWith("platform_live_connections", StringComparison.Ordinal)
            || l.StartsWith("platform_live_queue_depth", StringComparison.Ordinal)) && !l.Contains("_bucket", StringComparison.Ordinal))
        .Select(l => l[..l.IndexOf('{')].Replace("platform_live_", "", StringComparison.Ordinal) + l[l.IndexOf('{')..].Split(' ')[0]
            .Replace("{otel_scope_name=\"Platform.Live\"}", "", StringComparison.Ordinal).Replace("otel_scope_name=\"Platform.Live\",", "", StringComparison.Ordinal)
            + "=" + l.Split(' ')[^1])));
}
foreach (var (histogram, label) in new[]
{
    ("platform_live_events_append_to_publish_seconds", "append → committed, handed to the live queue"),
    ("platform_live_queue_wait_seconds", "waiting in the live queue"),
    ("platform_live_events_append_to_backplane_seconds", "append → published on the Redis backplane"),
    ("platform_live_subscribe_duration_seconds", "SubscribeJob on the server"),
})
{
    Console.WriteLine($"server {label}: p50 ≤ {HistogramQuantile(scraped, histogram, 0.50)}, p99 ≤ {HistogramQuantile(scraped, histogram, 0.99)}");
}

await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
foreach (var user in users)
{
    user.Dispose();
}
return;

static long Rss(int? pid)
{
    if (pid is null || !File.Exists($"/proc/{pid}/status"))
    {
        return 0;
    }
    var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

// The upper bound of the bucket holding quantile q, over every replica's series of this histogram.
static string HistogramQuantile(List<string> lines, string name, double q)
{
    var buckets = lines.Where(l => l.StartsWith(name + "_bucket{", StringComparison.Ordinal))
        .Select(l => (Le: l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..].Split('"')[0], Count: double.Parse(l.Split(' ')[^1], CultureInfo.InvariantCulture)))
        .GroupBy(b => b.Le)
        .Select(g => (Le: g.Key == "+Inf" ? double.PositiveInfinity : double.Parse(g.Key, CultureInfo.InvariantCulture), Count: g.Sum(b => b.Count)))
        .OrderBy(b => b.Le)
        .ToList();
    if (buckets.Count == 0 || buckets[^1].Count == 0)
    {
        return "n/a";
    }
    var bound = buckets.First(b => b.Count >= q * buckets[^1].Count).Le;
    return double.IsPositiveInfinity(bound) ? $"> {buckets[^2].Le * 1000:0.#} ms" : $"{bound * 1000:0.#} ms";
}

static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:0} MiB";

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
    {
        return 0;
    }
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) ? value : fallback;
}

/// <summary>One watcher: records each live push's latency and checks that seqs follow each other.</summary>
internal sealed class BenchClient : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<double> _latencies = [];
    private readonly List<long> _early = [];
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HubConnection _connection = null!;
    private long _lastSeq = -1;
    private int _reconnects;

    public IReadOnlyList<double> Latencies
    {
        get { lock (_lock) { return [.. _latencies]; } }
    }

    public int Duplicates { get; private set; }

    public int Gaps { get; private set; }

    public int Reconnects => _reconnects;

    public Task Finished => _finished.Task;

    public static async Task<BenchClient> ConnectAsync(Uri replica, LiveUser user)
    {
        var client = new BenchClient();
        client._connection = new HubConnectionBuilder()
            .WithUrl(new Uri(replica, "hubs/jobs"), o =>
            {
                o.Cookies = user.Cookies;
                o.Transports = HttpTransportType.WebSockets;
            })
            .WithStatefulReconnect()
            .WithAutomaticReconnect()
            .Build();
        client._connection.On<JsonElement>("jobEvent", client.OnJobEvent);
        client._connection.Reconnected += _ =>
        {
            Interlocked.Increment(ref client._reconnects);
            return Task.CompletedTask;
        };
        await client._connection.StartAsync();
        return client;
    }

    /// <summary>SubscribeJob(job, 0); returns how long the call took, in ms.</summary>
    public async Task<double> SubscribeAsync(Guid job)
    {
        var watch = Stopwatch.StartNew();
        var answer = await _connection.InvokeAsync<JsonElement>("SubscribeJob", job, 0L);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        lock (_lock)
        {
            var answered = answer.TryGetProperty("snapshot", out var snapshot)
                ? snapshot.GetProperty("seq").GetInt64()
                : answer.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).DefaultIfEmpty(0).Max();
            _lastSeq = answered;
            var finishedAlready = answer.TryGetProperty("snapshot", out var snap)
                ? LiveUser.IsFinal(snap.GetProperty("state").GetString())
                : answer.GetProperty("events").EnumerateArray().Any(e => e.GetProperty("type").GetString() == "job.state"
                    && LiveUser.IsFinal(e.GetProperty("data").GetProperty("state").GetString()));
            if (finishedAlready)
            {
                _finished.TrySetResult();
            }
            // Pushes that overtook the answer (the hub joins the group before reading): apply them now, in order.
            foreach (var seq in _early.Order())
            {
                Follow(seq);
            }
            _early.Clear();
        }
        return elapsed;
    }

    private void OnJobEvent(JsonElement jobEvent)
    {
        var received = DateTimeOffset.UtcNow;
        var at = jobEvent.GetProperty("at").GetDateTimeOffset();
        var seq = jobEvent.GetProperty("seq").GetInt64();
        var final = jobEvent.GetProperty("type").GetString() == "job.state"
            && LiveUser.IsFinal(jobEvent.GetProperty("data").GetProperty("state").GetString());
        lock (_lock)
        {
            _latencies.Add((received - at).TotalMilliseconds);
            if (_lastSeq < 0)
            {
                _early.Add(seq);
            }
            else
            {
                Follow(seq);
            }
        }
        if (final)
        {
            _finished.TrySetResult();
        }
    }

    private void Follow(long seq)
    {
        if (seq <= _lastSeq)
        {
            Duplicates++;
            return;
        }
        if (seq > _lastSeq + 1)
        {
            Gaps++;
        }
        _lastSeq = seq;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
