namespace Platform.Coordination;

// A lock is the semaphore primitive with limit 1 plus a fencing counter bumped inside the same acquire script.
internal sealed class RedisLock(RedisLeases leases) : IDistributedLock
{
    public async Task<LockLease?> TryAcquireAsync(string name, TimeSpan maxWait, CancellationToken ct = default)
    {
        var held = await leases.AcquireAsync(LeaseTarget.ForLock(name), limit: 1, maxWait, ct);
        return held is null ? null : new LockLease(held);
    }
}
