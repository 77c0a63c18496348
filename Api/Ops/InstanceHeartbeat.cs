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
/// Writes this replica's heartbeat into the Redis hash "platform:instances" every <see cref="Interval"/>. Readers treat
/// entries older than <see cref="StaleAfter"/> as gone (and remove them), so a killed replica disappears by itself.
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
                limits.CurrentValue.ExecutorSlotsPerReplica, runs.Count, [.. runs.Select(r => r.Job.Id)], DirectUrl(server));
            await redis.GetDatabase().HashSetAsync(Key, identity.Id, JsonSerializer.Serialize(beat, JsonSerializerOptions.Web));
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
