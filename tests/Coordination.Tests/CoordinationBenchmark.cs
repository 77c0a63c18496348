using System.Diagnostics;
using Platform.Coordination.Tests.Infrastructure;

namespace Platform.Coordination.Tests;

/// <summary>
/// Prints latency and throughput figures; asserts nothing about timing. Explicit, so normal test runs skip it:
/// <c>dotnet /tmp/art-coord/bin/Coordination.Tests/debug/Coordination.Tests.dll -explicit only -class Platform.Coordination.Tests.CoordinationBenchmark -showLiveOutput</c>
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class CoordinationBenchmark(RedisFixture redis, ITestOutputHelper output)
{
    [Fact(Explicit = true)]
    public async Task Print_acquire_latency_wake_latency_and_contended_throughput()
    {
        var ct = TestContext.Current.CancellationToken;
        var nodes = new List<CoordinationNode>();
        for (var i = 0; i < 5; i++)
        {
            nodes.Add(await CoordinationNode.StartAsync(redis.ConnectionString));
        }
        try
        {
            var node = nodes[0];
            Print($"Redis {redis.ConnectionString} (loopback), {Environment.ProcessorCount} cores, lease 15 s / renew 5 s");

            // Uncontended: one caller, acquire then release, fresh resource each round so only the script cost shows.
            const int rounds = 3000;
            var acquire = new List<double>(rounds);
            var release = new List<double>(rounds);
            var lockAcquire = new List<double>(rounds);
            for (var i = 0; i < rounds + 300; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var lease = await node.Semaphore.TryAcquireAsync($"bench-user-jobs:{i % 64}", 3, ct);
                var t1 = Stopwatch.GetTimestamp();
                await lease!.DisposeAsync();
                var t2 = Stopwatch.GetTimestamp();
                var t3 = Stopwatch.GetTimestamp();
                var held = await node.Lock.TryAcquireAsync($"bench-lock:{i % 64}", TimeSpan.Zero, ct);
                var t4 = Stopwatch.GetTimestamp();
                await held!.DisposeAsync();
                if (i >= 300)
                {
                    acquire.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                    release.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
                    lockAcquire.Add(Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds);
                }
            }
            Print(Line("semaphore TryAcquire, uncontended", acquire));
            Print(Line("lease DisposeAsync (ZREM+PUBLISH)", release));
            Print(Line("lock TryAcquire (with fencing INCR)", lockAcquire));

            // Wake-up: waiter on another replica, poll fallback 30 s, so the figure is the pub/sub path only.
            await using var waiterNode = await CoordinationNode.StartAsync(redis.ConnectionString,
                CoordinationNode.Leases(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), poll: TimeSpan.FromSeconds(30)));
            var wake = new List<double>();
            for (var i = 0; i < 200; i++)
            {
                var resource = $"bench-wake:{i}";
                var holder = await node.Semaphore.TryAcquireAsync(resource, 1, ct);
                var waiting = waiterNode.Semaphore.AcquireAsync(resource, 1, TimeSpan.FromSeconds(20), ct);
                await waiterNode.WaitForSubscribersAsync($"platform:sem:{resource}:released", 1, TimeSpan.FromSeconds(5));
                await Task.Delay(5, ct);
                var t0 = Stopwatch.GetTimestamp();
                await holder!.DisposeAsync();
                var granted = await waiting;
                wake.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                await granted!.DisposeAsync();
            }
            Print(Line("release -> waiter granted (other replica)", wake));

            // Contended: 50 workers on 5 replicas, limit 3, each takes the slot 20 times and holds it 2 ms.
            var resourceContended = $"bench-contended:{Guid.NewGuid():N}";
            var waits = new System.Collections.Concurrent.ConcurrentBag<double>();
            var callsBefore = await node.ScriptCallsAsync();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 50).Select(async w =>
            {
                for (var i = 0; i < 20; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await using var lease = await nodes[w % nodes.Count].Semaphore.AcquireAsync(resourceContended, 3, TimeSpan.FromMinutes(1), ct);
                    waits.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    await Task.Delay(2, ct);
                }
            }));
            var elapsed = clock.Elapsed;
            var calls = await node.ScriptCallsAsync() - callsBefore;
            Print(Line("contended acquire wait (50 workers, limit 3)", waits.ToList()));
            Print($"contended: 1000 grants in {elapsed.TotalSeconds:F2} s = {1000 / elapsed.TotalSeconds:F0} grants/s " +
                  $"(ideal with 2 ms holds ~{3 / 0.002:F0}/s minus Task.Delay granularity), {calls / 1000.0:F1} script calls per grant");
        }
        finally
        {
            foreach (var n in nodes)
            {
                await n.DisposeAsync();
            }
        }
    }

    private void Print(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private static string Line(string name, List<double> samples)
    {
        samples.Sort();
        double P(double p) => samples[(int)Math.Min(samples.Count - 1, Math.Ceiling(p * samples.Count) - 1)];
        return $"{name,-46} n={samples.Count,5}  p50={P(0.50):F3} ms  p90={P(0.90):F3} ms  p99={P(0.99):F3} ms  max={samples[^1]:F3} ms";
    }
}
