using System.Diagnostics;
using Platform.Testing;
using Platform.Fixtures;
using Platform.Integration.Tests.Model;

// One job with five model formats against the local model server (fixed latency per call), run with the job's tasks one
// at a time (JobLimits:TaskParallelism = 1) and in parallel, on 2 Api replicas. Prints wall times and their ratio.
// Usage: dotnet Formats.Bench.dll [--runs 5] [--tokens 20] [--token-delay-ms 50]
var runs = Arg("--runs", 5);
var tokens = Arg("--tokens", 20);
var tokenDelay = TimeSpan.FromMilliseconds(Arg("--token-delay-ms", 50));
string[] formats = ["llm-summary", "llm-tasks", "llm-key-points", "llm-questions", "llm-custom"];
var options = new Dictionary<string, object> { ["llm-custom"] = new { instruction = "Rewrite it as an email." } };

await using var server = await TestModelServer.StartAsync();
server.TokensPerAnswer = tokens;
server.TokenDelay = tokenDelay;
Console.WriteLine($"Model server: {tokens} tokens × {tokenDelay.TotalMilliseconds:0} ms per call (≈ {(tokens * tokenDelay).TotalSeconds:0.00} s), {formats.Length} model formats per job, {runs} timed runs per mode, 2 Api replicas");

var sequential = await MeasureAsync("sequential (TaskParallelism=1, model cap 5)", taskParallelism: 1, modelCap: 5);
var parallel = await MeasureAsync("parallel   (TaskParallelism=5, model cap 5)", taskParallelism: 5, modelCap: 5);
var capped = await MeasureAsync("parallel   (TaskParallelism=5, model cap 3 = default)", taskParallelism: 5, modelCap: 3);

Console.WriteLine();
Console.WriteLine($"wall-time ratio parallel/sequential (cap 5): {parallel / sequential:0.000}  (aim ≤ 0.35)");
Console.WriteLine($"wall-time ratio parallel/sequential (cap 3): {capped / sequential:0.000}  (5 calls through 3 shared slots take two rounds)");
return;

async Task<double> MeasureAsync(string label, int taskParallelism, int modelCap)
{
    var appOptions = new PlatformAppOptions { ApiReplicas = 2, ScraperReplicas = 0 };
    appOptions.ApiEnvironment["ConnectionStrings__model"] = server.ConnectionString;
    appOptions.ApiEnvironment["Model__MaxConcurrentCalls"] = modelCap.ToString();
    appOptions.ApiEnvironment["JobLimits__TaskParallelism"] = taskParallelism.ToString();
    appOptions.ApiEnvironment["Logging__LogLevel__Default"] = "Warning";
    await using var app = await PlatformApp.StartAsync(appOptions);
    using var user = await JobApiClient.SignUpAsync(app.GatewayUrl, $"bench-{Guid.NewGuid():N}@example.test", CancellationToken.None);

    // Warm-up: three jobs at once so both replicas JIT their paths and open their connections.
    await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RunJobAsync(user)));
    var times = new List<double>();
    var callSeconds = new List<double>();
    var untilFirstCall = new List<double>();
    var afterLastCall = new List<double>();
    var maxInFlight = 0;
    for (var i = 0; i < runs; i++)
    {
        server.ResetCounters();
        var submitted = DateTimeOffset.UtcNow;
        var elapsed = await RunJobAsync(user);
        times.Add(elapsed);
        var calls = server.Calls;
        callSeconds.AddRange(calls.Select(c => (c.EndedAt - c.StartedAt).TotalSeconds));
        untilFirstCall.Add((calls.Min(c => c.StartedAt) - submitted).TotalSeconds);
        afterLastCall.Add(elapsed - (calls.Max(c => c.EndedAt) - submitted).TotalSeconds);
        maxInFlight = Math.Max(maxInFlight, server.MaxInFlight);
    }
    times.Sort();
    var median = times[times.Count / 2];
    Console.WriteLine($"{label}: median {median:0.000} s  (runs: {string.Join(", ", times.Select(t => t.ToString("0.000")))} s; " +
                      $"model call {callSeconds.Average():0.000} s on the server; max calls in flight {maxInFlight}; " +
                      $"submit → first call {untilFirstCall.Average():0.000} s, last call → seen completed {afterLastCall.Average():0.000} s)");
    return median;
}

async Task<double> RunJobAsync(JobApiClient user)
{
    var watch = Stopwatch.StartNew();
    var id = await user.SubmitTextJobAsync($"Notes {Guid.NewGuid():N}: Anna sends the plan by Friday. Tom drafts the emails.", formats, options, CancellationToken.None);
    var job = await user.WaitFinishedAsync(id, TimeSpan.FromMinutes(5), CancellationToken.None, pollMilliseconds: 25);
    var elapsed = watch.Elapsed.TotalSeconds;
    if (job.GetProperty("state").GetString() != "completed")
    {
        throw new InvalidOperationException($"job {id} ended {job.GetProperty("state").GetString()}: {job}");
    }
    return elapsed;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) ? value : fallback;
}
