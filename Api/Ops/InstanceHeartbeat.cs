using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Dispatch;
using Platform.Api.Jobs;
using StackExchange.Redis;

namespace Platform.Api.Ops;

/// <summary>What an instance says about itself every few seconds (GET /api/ops/instances).</summary>
public sealed record InstanceHeartbeatView(
    string Instance, string Service, DateTimeOffset StartedAt, DateTimeOffset LastSeen, int ExecutorSlots, int SlotsInUse, IReadOnlyList<Guid> Executing);

/// <summary>
/// Writes this replica's heartbeat into the Redis hash "platform:instances" every <see cref="Interval"/>. Readers treat
/// entries older than <see cref="StaleAfter"/> as gone (and remove them), so a killed replica disappears by itself.
/// </summary>
public sealed class InstanceHeartbeat(
    IConnectionMultiplexer redis,
    InstanceIdentity identity,
    ExecutingJobs executing,
    IOptionsMonitor<JobLimitsOptions> limits,
    ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    public static readonly RedisKey Key = "platform:instances";
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                await BeatAsync();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Leave the hash at once rather than waiting to be considered stale.
            await redis.GetDatabase().HashDeleteAsync(Key, identity.Id, CommandFlags.FireAndForget);
        }
    }

    private async Task BeatAsync()
    {
        try
        {
            var runs = executing.Snapshot();
            var beat = new InstanceHeartbeatView(identity.Id, identity.Service, identity.StartedAt, DateTimeOffset.UtcNow,
                limits.CurrentValue.ExecutorSlotsPerReplica, runs.Count, [.. runs.Select(r => r.Job.Id)]);
            await redis.GetDatabase().HashSetAsync(Key, identity.Id, JsonSerializer.Serialize(beat, JsonSerializerOptions.Web));
        }
        catch (RedisException ex)
        {
            logger.LogDebug(ex, "Heartbeat not written; Redis unavailable.");
        }
    }

    public static async Task<IReadOnlyList<InstanceHeartbeatView>> ReadAllAsync(IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        var entries = await db.HashGetAllAsync(Key);
        var now = DateTimeOffset.UtcNow;
        var alive = new List<InstanceHeartbeatView>();
        foreach (var entry in entries)
        {
            var beat = JsonSerializer.Deserialize<InstanceHeartbeatView>(entry.Value.ToString(), JsonSerializerOptions.Web);
            if (beat is null || now - beat.LastSeen > StaleAfter)
            {
                await db.HashDeleteAsync(Key, entry.Name);
                continue;
            }
            alive.Add(beat);
        }
        return [.. alive.OrderBy(b => b.Instance, StringComparer.Ordinal)];
    }
}
