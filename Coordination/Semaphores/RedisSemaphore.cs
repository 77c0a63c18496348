namespace Platform.Coordination;

internal sealed class RedisSemaphore(RedisLeases leases) : IDistributedSemaphore
{
    public Task<SemaphoreLease?> TryAcquireAsync(string resource, int limit, CancellationToken ct = default) =>
        AcquireAsync(resource, limit, TimeSpan.Zero, ct);

    public async Task<SemaphoreLease?> AcquireAsync(string resource, int limit, TimeSpan maxWait, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var held = await leases.AcquireAsync(LeaseTarget.ForSemaphore(resource), limit, maxWait, ct);
        return held is null ? null : new SemaphoreLease(held);
    }
}
