using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Dispatch;
using Platform.Api.Jobs;
using Platform.Coordination;
using StackExchange.Redis;
using IServer = Microsoft.AspNetCore.Hosting.Server.IServer;

namespace Platform.Api.Ops;

/// <summary>What an instance says about itself every few seconds (GET /api/ops/instances). <paramref name="Url"/> is
/// where this replica itself listens: the gateway routes to each replica directly (Gateway/Proxy/ReplicaRegistryWatcher.cs).</summary>
public sealed record InstanceHeartbeatView(
    string Instance, string Service, DateTimeOffset StartedAt, DateTimeOffset LastSeen, int ExecutorSlots, int SlotsInUse, IReadOnlyList<Guid> Executing,
    string? Url = null);

/// <summary>
/// Writes this replica's heartbeat into the instance registry "platform:instances" (<see cref="InstanceRegistry"/>:
/// entries stamped on the Redis clock, stale ones removed by readers after <see cref="StaleAfter"/>) every
/// <see cref="Interval"/>, so a killed replica disappears by itself.
/// </summary>
public sealed class InstanceHeartbeat(
    IConnectionMultiplexer redis,
    InstanceIdentity identity,
    ExecutingJobs executing,
    IOptionsMonitor<JobLimitsOptions> limits,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    public static readonly InstanceRegistry Registry = new("platform:instances");
    public static readonly RedisKey Key = Registry.Key;
    public static readonly RedisKey SeenKey = Registry.SeenKey;
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
            await Registry.LeaveAsync(redis.GetDatabase(), identity.Id, CommandFlags.FireAndForget);
        }
    }

    private async Task BeatAsync()
    {
        try
        {
            var runs = executing.Snapshot();
            var beat = new InstanceHeartbeatView(identity.Id, identity.Service, identity.StartedAt, time.GetUtcNow(),
                limits.CurrentValue.ExecutorSlotsPerReplica, runs.Count, [.. runs.Select(r => r.Job.Id).Distinct()], ServerAddress.DirectUrl(server));
            await WriteAsync(redis.GetDatabase(), beat);
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex))
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

    /// <summary>One beat: the entry and its write time on the Redis server's clock, together.</summary>
    public static Task WriteAsync(IDatabase db, InstanceHeartbeatView beat) =>
        Registry.WriteAsync(db, beat.Instance, JsonSerializer.Serialize(beat, JsonSerializerOptions.Web));

    public static async Task<IReadOnlyList<InstanceHeartbeatView>> ReadAllAsync(IConnectionMultiplexer redis)
    {
        var live = await Registry.ReadLiveAsync(redis.GetDatabase(), StaleAfter);
        return [.. live.Values
            .Select(entry => JsonSerializer.Deserialize<InstanceHeartbeatView>(entry, JsonSerializerOptions.Web))
            .OfType<InstanceHeartbeatView>()
            .OrderBy(b => b.Instance, StringComparer.Ordinal)];
    }
}
