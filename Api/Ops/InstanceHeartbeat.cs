using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Platform.Api.Dispatch;
using Platform.Api.Jobs;
using StackExchange.Redis;
using IServer = Microsoft.AspNetCore.Hosting.Server.IServer;

namespace Platform.Api.Ops;

/// <summary>What an instance says about itself every few seconds (GET /api/ops/instances). <paramref name="Url"/> is
/// where this replica itself listens: the gateway routes to each replica directly (Gateway/Proxy/ReplicaRegistryWatcher.cs).</summary>
public sealed record InstanceHeartbeatView(
    string Instance, string Service, DateTimeOffset StartedAt, DateTimeOffset LastSeen, int ExecutorSlots, int SlotsInUse, IReadOnlyList<Guid> Executing,
    string? Url = null);

/// <summary>
/// Writes this replica's heartbeat into the Redis hash "platform:instances" every <see cref="Interval"/>, and the time
/// of the write, on the Redis server's clock, into the sorted set "platform:instances:seen". Readers remove entries
/// not written for <see cref="StaleAfter"/> in the same script that reads (atomic, one clock), so a killed replica
/// disappears by itself and a live one is never removed by a reader with another clock or an older read.
/// </summary>
public sealed class InstanceHeartbeat(
    IConnectionMultiplexer redis,
    InstanceIdentity identity,
    ExecutingJobs executing,
    IOptionsMonitor<JobLimitsOptions> limits,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    public static readonly RedisKey Key = "platform:instances";
    public static readonly RedisKey SeenKey = "platform:instances:seen";
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            // The server knows its own address only once it listens, and the first beat must carry it.
            await WhenStartedAsync(stoppingToken);
            do
            {
                await BeatAsync();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Leave the registry at once rather than waiting to be considered stale.
            await redis.GetDatabase().ScriptEvaluateAsync(LeaveScript, [Key, SeenKey], [identity.Id], CommandFlags.FireAndForget);
        }
    }

    private async Task BeatAsync()
    {
        try
        {
            var runs = executing.Snapshot();
            var beat = new InstanceHeartbeatView(identity.Id, identity.Service, identity.StartedAt, DateTimeOffset.UtcNow,
                limits.CurrentValue.ExecutorSlotsPerReplica, runs.Count, [.. runs.Select(r => r.Job.Id).Distinct()], DirectUrl(server));
            await WriteAsync(redis.GetDatabase(), beat);
        }
        catch (RedisException ex)
        {
            logger.LogDebug(ex, "Heartbeat not written; Redis unavailable.");
        }
    }

    private async Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }
    }

    /// <summary>This replica's own base URL (http preferred), or null when the server has none (in-memory test server).</summary>
    internal static string? DirectUrl(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses?.FirstOrDefault();
        if (address is null)
        {
            return null;
        }
        var binding = BindingAddress.Parse(address);
        // A wildcard binding (http://+:8080, http://[::]:8080) is reachable from elsewhere by this machine's name.
        var host = binding.Host is "+" or "*" or "0.0.0.0" or "[::]" ? Dns.GetHostName() : binding.Host;
        return $"{binding.Scheme}://{host}:{binding.Port}";
    }

    private const string BeatScript = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        local t = redis.call('TIME')
        redis.call('ZADD', KEYS[2], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
        return 1
        """;

    private const string LeaveScript = """
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        return 1
        """;

    /// <summary>Removes entries not written for ARGV[1] ms (Redis clock), then returns the rest, in one atomic step.</summary>
    private const string ReadScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[1])))
        for _, instance in ipairs(stale) do
            redis.call('HDEL', KEYS[1], instance)
            redis.call('ZREM', KEYS[2], instance)
        end
        return redis.call('HGETALL', KEYS[1])
        """;

    /// <summary>One beat: the entry and its write time on the Redis server's clock, together.</summary>
    public static Task WriteAsync(IDatabase db, InstanceHeartbeatView beat) =>
        db.ScriptEvaluateAsync(BeatScript, [Key, SeenKey], [beat.Instance, JsonSerializer.Serialize(beat, JsonSerializerOptions.Web)]);

    public static async Task<IReadOnlyList<InstanceHeartbeatView>> ReadAllAsync(IConnectionMultiplexer redis)
    {
        var reply = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            ReadScript, [Key, SeenKey], [(long)StaleAfter.TotalMilliseconds]))!;
        var alive = new List<InstanceHeartbeatView>();
        for (var i = 1; i < reply.Length; i += 2)
        {
            if (JsonSerializer.Deserialize<InstanceHeartbeatView>(reply[i].ToString(), JsonSerializerOptions.Web) is { } beat)
            {
                alive.Add(beat);
            }
        }
        return [.. alive.OrderBy(b => b.Instance, StringComparer.Ordinal)];
    }
}
