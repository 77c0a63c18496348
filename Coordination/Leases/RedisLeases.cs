using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Platform.Coordination;

/// <summary>
/// The one lease engine behind <see cref="IDistributedSemaphore"/> and <see cref="IDistributedLock"/>: runs the Lua scripts,
/// waits for slots (pub/sub wake-up, bounded poll as safety net), maps Redis failures to
/// <see cref="CoordinationUnavailableException"/>. Singleton; on dispose it stops every renewal loop it started.
/// </summary>
internal sealed class RedisLeases : IAsyncDisposable
{
    private static readonly TimeSpan ExpirySlack = TimeSpan.FromMilliseconds(5);
    private static readonly string LeaseIdPrefix = $"{Environment.MachineName}:{Environment.ProcessId}:";

    private readonly IConnectionMultiplexer _redis;
    private readonly ReleaseSignals _signals;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly RedisValue _leaseMilliseconds;

    /// <summary>The Redis epoch this process last saw ("" before its first acquire): see <see cref="LeaseScripts.Acquire"/>.</summary>
    private string _epoch = "";

    public RedisLeases(
        IConnectionMultiplexer redis,
        IOptions<CoordinationOptions> options,
        CoordinationMetrics metrics,
        TimeProvider time,
        ILogger<RedisLeases> logger)
    {
        _redis = redis;
        _signals = new ReleaseSignals(redis);
        Options = options.Value;
        Metrics = metrics;
        Time = time;
        Logger = logger;
        LeaseTicks = (long)(Options.LeaseDuration.TotalSeconds * time.TimestampFrequency);
        _leaseMilliseconds = (long)Options.LeaseDuration.TotalMilliseconds;
        ShutdownToken = _shutdown.Token;
    }

    public CoordinationOptions Options { get; }

    public CoordinationMetrics Metrics { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>Lease duration in <see cref="Time"/> timestamp units.</summary>
    public long LeaseTicks { get; }

    public CancellationToken ShutdownToken { get; }

    /// <summary>Subscriptions held for waiters right now (diagnostics).</summary>
    public int WaitChannels => _signals.ActiveChannels;

    public async Task<HeldLease?> AcquireAsync(LeaseTarget target, int limit, TimeSpan maxWait, CancellationToken ct)
    {
        if (maxWait < TimeSpan.Zero && maxWait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(maxWait), maxWait, "maxWait must be zero or positive, or Timeout.InfiniteTimeSpan.");
        }
        ct.ThrowIfCancellationRequested();

        var started = Time.GetTimestamp();
        var leaseId = LeaseIdPrefix + Guid.NewGuid().ToString("N");
        var outcome = "error";
        try
        {
            var attempt = await AttemptAsync(target, leaseId, limit, ct);
            if (attempt.Lease is null && maxWait != TimeSpan.Zero)
            {
                attempt = await WaitForSlotAsync(target, leaseId, limit, maxWait, started, attempt, ct);
            }
            if (attempt.Lease is null)
            {
                outcome = "refused";
                Metrics.AcquireRefused(target);
                return null;
            }
            outcome = "acquired";
            return attempt.Lease;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            outcome = "cancelled";
            throw;
        }
        catch (CoordinationUnavailableException)
        {
            outcome = "unavailable";
            throw;
        }
        finally
        {
            Metrics.AcquireWait(target, Time.GetElapsedTime(started), outcome);
        }
    }

    private async Task<Attempt> WaitForSlotAsync(
        LeaseTarget target, string leaseId, int limit, TimeSpan maxWait, long started, Attempt refused, CancellationToken ct)
    {
        ReleaseSignals.Waiter waiter;
        try
        {
            waiter = await _signals.JoinAsync(target.ReleasedChannel, ct);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        var attempt = refused;
        Metrics.Waiting(target, +1);
        try
        {
            // The poll only covers lost messages (the expiry hint below covers crashed holders), so it starts at a
            // quarter of the ceiling and doubles; jitter keeps replicas from polling in step.
            var poll = Options.WaitPollInterval / 4;
            while (true)
            {
                // Armed before the attempt, so a release that lands while the attempt runs still wakes us.
                var released = waiter.Arm();
                attempt = await AttemptAsync(target, leaseId, limit, ct);
                if (attempt.Lease is not null)
                {
                    return attempt;
                }

                var remaining = maxWait == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : maxWait - Time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return attempt;
                }

                // Sleep until a release message, the safety-net poll (lost message), or the moment the earliest
                // lease expires (a crashed holder never publishes), whichever comes first.
                var pause = Min(Min(remaining, Jittered(poll)), attempt.EarliestExpiryIn + ExpirySlack);
                poll = Min(poll * 2, Options.WaitPollInterval);
                await released.WaitAsync(pause, Time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                ct.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            waiter.Leave();
            Metrics.Waiting(target, -1);
        }
    }

    private async Task<Attempt> AttemptAsync(LeaseTarget target, string leaseId, int limit, CancellationToken ct)
    {
        EnsureConnected();
        var sentAt = Time.GetTimestamp();
        RedisResult[] reply;
        try
        {
            var result = await _redis.GetDatabase()
                .ScriptEvaluateAsync(LeaseScripts.Acquire, target.Keys, [leaseId, limit, _leaseMilliseconds, Volatile.Read(ref _epoch)])
                .WaitAsync(ct);
            reply = (RedisResult[])result!;
        }
        catch (Exception ex) when (ex is OperationCanceledException || IsUnavailable(ex))
        {
            // The script may have granted before we stopped listening: remove our member so no slot leaks until expiry.
            ReleaseInBackground(target, leaseId);
            if (ex is OperationCanceledException)
            {
                throw;
            }
            throw Unavailable(ex);
        }

        var reclaimed = (long)reply[1];
        if (reclaimed > 0)
        {
            Metrics.Reclaimed(target, reclaimed);
        }
        var epoch = (string)reply[4]!;
        if (Interlocked.Exchange(ref _epoch, epoch) is { Length: > 0 } earlier && earlier != epoch)
        {
            Logger.LogWarning("Redis has forgotten every lease (epoch {Earlier} -> {Epoch}): no lease is granted until their holders have had a lease duration to notice",
                earlier, epoch);
            Metrics.Forgotten();
        }
        if ((long)reply[0] == 0)
        {
            return new Attempt(null, TimeSpan.FromMilliseconds((long)reply[2]));
        }

        var lease = new HeldLease(this, target, leaseId, fencingToken: (long)reply[3], sentAt);
        Metrics.Held(target, +1);
        lease.StartRenewal();
        return new Attempt(lease, TimeSpan.Zero);
    }

    public async Task<RenewOutcome> RenewAsync(LeaseTarget target, string leaseId)
    {
        EnsureConnected();
        var result = await _redis.GetDatabase().ScriptEvaluateAsync(
            LeaseScripts.Renew, [target.SetKey], [leaseId, _leaseMilliseconds, target.ReleasedChannel.ToString()]);
        return (long)result switch
        {
            1 => RenewOutcome.Renewed,
            0 => RenewOutcome.Missing,
            _ => RenewOutcome.Expired,
        };
    }

    public async Task<IReadOnlyList<int>> CountAsync(IReadOnlyList<LeaseTarget> targets, CancellationToken ct)
    {
        if (targets.Count == 0)
        {
            return [];
        }
        var reply = await ReadAsync(LeaseScripts.Count, [.. targets.Select(t => t.SetKey)], [], ct);
        return [.. ((RedisResult[])reply!).Select(r => (int)r)];
    }

    public async Task<bool> IsHeldAsync(LeaseTarget target, string leaseId, CancellationToken ct) =>
        (long)(await ReadAsync(LeaseScripts.IsHeld, [target.SetKey], [leaseId], ct)) == 1;

    /// <summary>A script that only reads: no lease can leak when it is cancelled, so it just maps failures.</summary>
    private async Task<RedisResult> ReadAsync(string script, RedisKey[] keys, RedisValue[] values, CancellationToken ct)
    {
        EnsureConnected();
        try
        {
            return await _redis.GetDatabase().ScriptEvaluateAsync(script, keys, values).WaitAsync(ct);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Removes the lease and publishes the wake-up. Never throws: an unreleased lease still expires on its own.</summary>
    public async Task ReleaseAsync(LeaseTarget target, string leaseId)
    {
        try
        {
            EnsureConnected();
            await _redis.GetDatabase()
                .ScriptEvaluateAsync(LeaseScripts.Release, [target.SetKey], [leaseId, target.ReleasedChannel.ToString()])
                .WaitAsync(Options.LeaseDuration, Time);
        }
        catch (Exception ex)
        {
            Logger.LogDebug(ex, "Releasing {Primitive} {Resource} lease {LeaseId} failed; it expires within the lease duration",
                target.Primitive, target.Name, leaseId);
        }
    }

    /// <summary>Fire-and-forget release, for paths that must not wait (cancelled acquire, lost lease).</summary>
    public void ReleaseInBackground(LeaseTarget target, string leaseId)
    {
        try
        {
            _ = _redis.GetDatabase().ScriptEvaluateAsync(
                LeaseScripts.Release, [target.SetKey], [leaseId, target.ReleasedChannel.ToString()], CommandFlags.FireAndForget);
        }
        catch (Exception ex)
        {
            Logger.LogDebug(ex, "Background release of {Resource} lease {LeaseId} failed", target.Name, leaseId);
        }
    }

    public ValueTask DisposeAsync()
    {
        // Stops renewal loops only; leases still held expire in Redis within LeaseDuration. The multiplexer is not ours.
        _shutdown.Cancel();
        _shutdown.Dispose();
        return ValueTask.CompletedTask;
    }

    private void EnsureConnected()
    {
        // Fail fast instead of queueing behind a reconnect: the caller has a PostgreSQL fallback and should use it now.
        if (!_redis.IsConnected)
        {
            throw new CoordinationUnavailableException("Redis is not connected; coordination is unavailable.");
        }
    }

    internal static bool IsUnavailable(Exception ex) => ex switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException => true,
        // Redis is up but cannot serve a write now: loading its dataset after a restart, stuck in a script, demoted to a
        // replica (READONLY), out of memory (OOM), unable to persist (MISCONF), or short of replicas. The caller's
        // PostgreSQL fallback applies, as when Redis is down.
        RedisServerException server => UnavailableReplies.Any(code => server.Message.StartsWith(code, StringComparison.Ordinal)),
        _ => false,
    };

    private static readonly string[] UnavailableReplies =
        ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "READONLY", "OOM", "MISCONF", "NOREPLICAS", "CLUSTERDOWN"];

    private static CoordinationUnavailableException Unavailable(Exception ex) =>
        ex as CoordinationUnavailableException ?? new CoordinationUnavailableException($"Redis is unavailable: {ex.Message}", ex);

    private static TimeSpan Jittered(TimeSpan poll) => poll / 2 + poll / 2 * Random.Shared.NextDouble();

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private readonly record struct Attempt(HeldLease? Lease, TimeSpan EarliestExpiryIn);
}
