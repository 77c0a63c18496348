using Platform.Bench;
using System.Diagnostics;
using Medallion.Threading.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Coordination;
using StackExchange.Redis;

namespace Platform.Peers.Bench;

/// <summary>Acquire latency (call to lease in hand) and acquire+release cycles per second for one semaphore mode.</summary>
internal sealed record SemaphoreRun(string Subject, string Mode, IReadOnlyList<double> SortedAcquireMs, TimeSpan Elapsed)
{
    public double PerSecond => SortedAcquireMs.Count / Elapsed.TotalSeconds;
}

/// <summary>
/// Platform's Redis counting semaphore (Coordination, as the Api and Scraper register it) against DistributedLock.Redis's
/// <c>RedisDistributedSemaphore</c> on the same Redis and the same count. Uncontended: one caller, acquire then release.
/// Contended: more callers than slots, each holding its slot for a few milliseconds of "work".
/// </summary>
internal static class SemaphoreBench
{
    public const string Platform = "platform";
    public const string DistributedLock = "distributedlock";

    public static async Task<IReadOnlyList<SemaphoreRun>> RunAsync(string redis, int count, int uncontendedOps, int callers, int opsPerCaller, TimeSpan hold)
    {
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConnectionMultiplexer>(multiplexer)
            .AddCoordination(new ConfigurationBuilder().Build())
            .BuildServiceProvider();
        var platform = services.GetRequiredService<IDistributedSemaphore>();
        var resource = $"peers-bench-{Guid.NewGuid():N}";
        var peer = new RedisDistributedSemaphore(resource, count, multiplexer.GetDatabase());

        Func<Task<IAsyncDisposable>> platformAcquire = async () =>
            (await platform.AcquireAsync(resource, count, Timeout.InfiniteTimeSpan))
            ?? throw new InvalidOperationException("an infinite wait came back without a lease");
        Func<Task<IAsyncDisposable>> peerAcquire = async () => await peer.AcquireAsync();

        var runs = new List<SemaphoreRun>();
        foreach (var (subject, acquire) in new[] { (Platform, platformAcquire), (DistributedLock, peerAcquire) })
        {
            await CycleAsync(acquire, TimeSpan.Zero); // warm-up: scripts loaded, JIT
            runs.Add(await MeasureAsync(subject, "uncontended", 1, uncontendedOps, acquire, TimeSpan.Zero));
            runs.Add(await MeasureAsync(subject, "contended", callers, opsPerCaller, acquire, hold));
        }
        return runs;
    }

    private static async Task<SemaphoreRun> MeasureAsync(string subject, string mode, int callers, int opsPerCaller, Func<Task<IAsyncDisposable>> acquire, TimeSpan hold)
    {
        var waits = new List<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            for (var i = 0; i < opsPerCaller; i++)
            {
                var wait = await CycleAsync(acquire, hold);
                lock (waits)
                {
                    waits.Add(wait);
                }
            }
        }));
        var run = new SemaphoreRun(subject, mode, Stats.Sorted(waits), clock.Elapsed);
        Console.WriteLine($"  {subject,-16} {mode,-11}: acquire p50 {Stats.Percentile(run.SortedAcquireMs, 0.5),7:0.00} ms, p99 {Stats.Percentile(run.SortedAcquireMs, 0.99),7:0.00} ms, {run.PerSecond,7:0} cycles/s");
        return run;
    }

    /// <summary>Acquire, hold, release; returns the acquire time in ms.</summary>
    private static async Task<double> CycleAsync(Func<Task<IAsyncDisposable>> acquire, TimeSpan hold)
    {
        var started = Stopwatch.GetTimestamp();
        var lease = await acquire();
        var acquired = Stopwatch.GetTimestamp();
        if (hold > TimeSpan.Zero)
        {
            await Task.Delay(hold);
        }
        await lease.DisposeAsync();
        return Stats.Milliseconds(started, acquired);
    }
}
