using Microsoft.Extensions.Logging;

namespace Platform.Coordination;

/// <summary>
/// A granted lease and its renewal loop. Owner: the lease itself (one async loop per held lease, so the number of loops is
/// bounded by what the process holds — executor slots, page pool, per-host captures). The loop stops on release or when
/// <see cref="RedisLeases"/> shuts down, and reports to lease.renewals / lease.lost.
/// </summary>
internal sealed class HeldLease
{
    private const int Held = 0, Lost = 1, Released = 2;

    private readonly RedisLeases _owner;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stopRenewal;
    private readonly long _grantedAt;
    private long _expiresAt;
    private int _state = Held;
    private Task _renewal = Task.CompletedTask;

    public HeldLease(RedisLeases owner, LeaseTarget target, string leaseId, long fencingToken, long sentAt)
    {
        _owner = owner;
        Target = target;
        LeaseId = leaseId;
        FencingToken = fencingToken;
        LeaseLost = _lost.Token;
        _grantedAt = owner.Time.GetTimestamp();
        // Redis measured the lease from when it ran the script, which is after we sent it: counting from the send makes
        // our local deadline never later than the server's.
        _expiresAt = sentAt + owner.LeaseTicks;
        _stopRenewal = CancellationTokenSource.CreateLinkedTokenSource(owner.ShutdownToken);
    }

    public LeaseTarget Target { get; }

    public string LeaseId { get; }

    public long FencingToken { get; }

    public CancellationToken LeaseLost { get; }

    public void StartRenewal() => _renewal = RenewLoopAsync(_stopRenewal.Token);

    /// <summary>Stops renewal and removes the lease from Redis (waking waiters). Never throws.</summary>
    public async ValueTask ReleaseAsync()
    {
        var previous = Interlocked.Exchange(ref _state, Released);
        if (previous == Released)
        {
            return;
        }

        _stopRenewal.Cancel();
        await _renewal; // ends quietly once stopped, whatever its last renewal did (RenewLoopAsync)
        _stopRenewal.Dispose();

        if (previous == Held)
        {
            await _owner.ReleaseAsync(Target, LeaseId);
        }
        _owner.Metrics.HoldDuration(Target, _owner.Time.GetElapsedTime(_grantedAt), previous == Held ? "released" : "lost");
        _owner.Metrics.Held(Target, -1);
    }

    private async Task RenewLoopAsync(CancellationToken stop)
    {
        var options = _owner.Options;
        var delay = options.RenewInterval;
        // After a failed renewal retry sooner, but not in a tight loop while Redis is down.
        var retryDelay = TimeSpan.FromMilliseconds(Math.Min(options.RenewInterval.TotalMilliseconds, 1000));
        try
        {
            while (true)
            {
                var untilExpiry = TimeUntilExpiry();
                if (untilExpiry <= TimeSpan.Zero)
                {
                    MarkLost("expired");
                    return;
                }
                await Task.Delay(Min(delay, untilExpiry), _owner.Time, stop);

                untilExpiry = TimeUntilExpiry();
                if (untilExpiry <= TimeSpan.Zero)
                {
                    MarkLost("expired");
                    return;
                }

                var sentAt = _owner.Time.GetTimestamp();
                RenewOutcome outcome;
                try
                {
                    // A renewal that answers after our local deadline is useless: stop waiting for it then.
                    outcome = await _owner.RenewAsync(Target, LeaseId).WaitAsync(untilExpiry, _owner.Time, stop);
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    _owner.Metrics.Renewal(Target, "failed");
                    _owner.Logger.LogDebug(ex, "Renewing {Primitive} {Resource} lease {LeaseId} failed; retrying", Target.Primitive, Target.Name, LeaseId);
                    delay = retryDelay;
                    continue;
                }

                switch (outcome)
                {
                    case RenewOutcome.Renewed:
                        Volatile.Write(ref _expiresAt, sentAt + _owner.LeaseTicks);
                        _owner.Metrics.Renewal(Target, "renewed");
                        delay = options.RenewInterval;
                        break;
                    case RenewOutcome.Missing:
                        MarkLost("missing");
                        return;
                    default:
                        MarkLost("expired");
                        return;
                }
            }
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Released or shutting down: whatever the last renewal's outcome (cancelled, or a timeout or Redis error that
            // arrived as the release began), the loop is over and the release goes on. Before, only a cancellation was
            // caught here, so a renewal that timed out just as its lease was released threw from ReleaseAsync.
        }
    }

    private void MarkLost(string reason)
    {
        if (Interlocked.CompareExchange(ref _state, Lost, Held) != Held)
        {
            return;
        }
        _owner.Metrics.Lost(Target, reason);
        _owner.Logger.LogWarning("{Primitive} {Resource} lease {LeaseId} lost ({Reason})", Target.Primitive, Target.Name, LeaseId, reason);
        // If it is still in Redis (renewals failing), free the slot: the holder has been told it no longer holds it.
        _owner.ReleaseInBackground(Target, LeaseId);
        try
        {
            _lost.Cancel();
        }
        catch (AggregateException ex)
        {
            _owner.Logger.LogError(ex, "A LeaseLost callback of {Resource} threw", Target.Name);
        }
    }

    private TimeSpan TimeUntilExpiry() =>
        _owner.Time.GetElapsedTime(_owner.Time.GetTimestamp(), Volatile.Read(ref _expiresAt));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

internal enum RenewOutcome
{
    Renewed,
    Missing,
    Expired,
}
