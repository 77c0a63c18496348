namespace Platform.Coordination;

/// <summary>
/// One held slot of a distributed semaphore, renewed in the background until disposed. Always <c>await using</c> it:
/// disposing releases the slot and wakes waiters on every replica; a lease that is never disposed is renewed forever.
/// </summary>
public sealed class SemaphoreLease : IAsyncDisposable
{
    private readonly HeldLease _lease;

    internal SemaphoreLease(HeldLease lease) => _lease = lease;

    public string Resource => _lease.Target.Name;

    /// <summary>The member stored in Redis ("{machine}:{pid}:{guid}"), useful when inspecting the sorted set.</summary>
    public string LeaseId => _lease.LeaseId;

    /// <summary>
    /// Fires when the lease can no longer be guaranteed: renewal found it gone (Redis restarted empty, key deleted) or
    /// renewals failed until its expiry. Link it into the work the lease protects. It does not fire on a normal dispose.
    /// </summary>
    public CancellationToken LeaseLost => _lease.LeaseLost;

    /// <summary>Releases the slot (ZREM + PUBLISH) and stops renewal. Never throws; safe to call twice.</summary>
    public ValueTask DisposeAsync() => _lease.ReleaseAsync();

    public override string ToString() => $"semaphore {Resource} lease {LeaseId}";
}
